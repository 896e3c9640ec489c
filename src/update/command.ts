// Running one step of an update (git, npm) with a time limit, and wording its outcome: a failure
// says why (exit code, timeout, missing program) followed by the last lines of its output.
import { execa } from 'execa';

export interface CommandResult {
  ok: boolean;
  output: string;
  error: string;
  durationMs: number;
}

const TAIL_LINES = 12;

export async function runCommand(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: Record<string, string>,
): Promise<CommandResult> {
  const started = Date.now();
  const result = await execa(command, args, {
    cwd,
    reject: false,
    all: true,
    timeout: timeoutMs,
    env,
    stdin: 'ignore',
  });
  const output = String(result.all ?? '').trim();
  const durationMs = Date.now() - started;
  if (!result.failed) return { ok: true, output, error: '', durationMs };
  const why = result.timedOut
    ? `timed out after ${seconds(timeoutMs)}`
    : result.exitCode !== undefined
      ? `exit code ${result.exitCode}`
      : (result as { code?: string }).code === 'ENOENT'
        ? `${command} not found`
        : (result.shortMessage ?? 'failed');
  const tail = lastLines(output, TAIL_LINES);
  return { ok: false, output, error: tail ? `${why}\n${tail}` : why, durationMs };
}

export function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-n)
    .join('\n');
}

export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}
