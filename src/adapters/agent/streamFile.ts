// The agent's own stream file: the CLI writes its stream-json stdout straight into
// `<dir>/<missionId>-attempt-<n>.jsonl` (0600), not through the runner. If the runner dies or
// freezes while the agent finishes, the result is still on disk, and the mission's next attempt
// takes that finished run instead of paying for it again. The file holds raw (unscrubbed)
// output, so it lives only until its run is remembered or over.
// See docs/missions.md#delivery-after-a-crash.
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TokenUsage } from '../../contracts/index.js';
import { parseStreamLine, type ResultEvent } from './streamJson.js';

export function streamFilePath(dir: string, missionId: string, attempt: number): string {
  const safeId = missionId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100) || 'run';
  return join(dir, `${safeId}-attempt-${attempt}.jsonl`);
}

/** What a run that reported success left in its stream file. */
export interface FinishedRun {
  summary: string;
  costUsd?: number;
  tokens?: TokenUsage;
  numTurns?: number;
  durationMs: number;
}

/**
 * The finished run recorded in a stream file: its last `result` event, when that reports
 * success. Undefined for a missing file, a run cut off before its result, or a failed run.
 */
export async function finishedRunIn(path: string): Promise<FinishedRun | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let result: ResultEvent | undefined;
  for (const line of text.split('\n')) {
    const event = parseStreamLine(line);
    if (event?.kind === 'result') result = event;
  }
  if (!result || result.isError || (result.subtype !== undefined && result.subtype !== 'success')) return undefined;
  return {
    summary: result.result ?? '',
    ...(result.totalCostUsd !== undefined ? { costUsd: result.totalCostUsd } : {}),
    ...(result.usage ? { tokens: result.usage } : {}),
    ...(result.numTurns !== undefined ? { numTurns: result.numTurns } : {}),
    durationMs: result.durationMs ?? 0,
  };
}

/** Removes a stream file; a missing one is fine. */
export async function dropStreamFile(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
