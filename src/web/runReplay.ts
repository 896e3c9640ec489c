// A finished mission's run, replayed from its run log(s) (<stateDir>/runs/<runner>/<id>-<time>.log)
// into the same progress lines the running agent streamed: the log holds the CLI's stream-json
// output, which RunTranscript turns into lines exactly as it did live.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunTranscript } from '../adapters/agent/runTranscript.js';
import { parseStreamLine } from '../adapters/agent/streamJson.js';
import { silentLogger } from '../log.js';
import { statePaths } from '../paths.js';

export interface ReplayLine {
  kind: string;
  text: string;
}

export interface RunReplay {
  missionId: string;
  runs: Array<{ file: string; lines: ReplayLine[] }>;
}

/** The last bytes of a run log read: the start of a huge run matters less than its end. */
const MAX_BYTES = 2 * 1024 * 1024;
const PROGRESS_MAX = 300;

/** A mission's run logs, oldest first, under the state dir's runs/ (`root`). */
export async function runLogFiles(stateDir: string, missionId: string): Promise<{ root: string; files: string[] }> {
  const safeId = missionId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100);
  const root = statePaths(stateDir).runs;
  const runners = await readdir(root).catch(() => [] as string[]);
  const files: string[] = [];
  for (const runner of runners) {
    const names = await readdir(join(root, runner)).catch(() => [] as string[]);
    for (const name of names)
      if (name.startsWith(`${safeId}-`) && name.endsWith('.log')) files.push(join(root, runner, name));
  }
  files.sort((a, b) => a.slice(a.lastIndexOf('-')).localeCompare(b.slice(b.lastIndexOf('-'))));
  return { root, files };
}

export async function replayRun(stateDir: string, missionId: string): Promise<RunReplay> {
  const { root, files } = await runLogFiles(stateDir, missionId);
  const runs = [];
  for (const file of files) runs.push({ file: file.slice(root.length + 1), lines: replayText(await readTail(file)) });
  return { missionId, runs };
}

export function replayText(text: string): ReplayLine[] {
  const lines: ReplayLine[] = [];
  const transcript = new RunTranscript(
    (kind, line) => lines.push({ kind, text: line }),
    () => {},
    silentLogger(),
    PROGRESS_MAX,
  );
  for (const line of text.split('\n')) {
    if (line.startsWith('[roshi] ') || line.startsWith('[stderr] ')) {
      lines.push({ kind: line.startsWith('[roshi]') ? 'roshi' : 'stderr', text: line.slice(line.indexOf(' ') + 1) });
      continue;
    }
    const event = parseStreamLine(line);
    if (event) transcript.handle(event, line);
  }
  return lines;
}

async function readTail(file: string): Promise<string> {
  const buffer = await readFile(file);
  return buffer.subarray(Math.max(0, buffer.length - MAX_BYTES)).toString('utf8');
}
