// Finding processes the tests started. Every process a test spawns inherits ROSHI_TEST_RUN=<run
// id>, so a leak check can find this run's survivors through /proc/<pid>/environ, whatever
// their command, without touching another run's.
import { readdirSync, readFileSync } from 'node:fs';

export const TEST_MARKER = 'ROSHI_TEST_RUN';

export interface ProcessInfo {
  pid: number;
  args: string;
}

/** Processes (other than this one and its parent) carrying this run's marker in their environment. */
export async function leakedProcesses(runId: string): Promise<ProcessInfo[]> {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (!environ.split('\0').includes(`${TEST_MARKER}=${runId}`)) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (/vitest|node_modules\/tinypool|esbuild/.test(args)) continue; // the runner's own workers
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.split(') ')[1]?.startsWith('Z')) continue; // zombie: already dead
      found.push({ pid, args });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
