// Finding the processes a test left behind, from /proc (Linux): the live ones (not zombies) that
// a test's predicate claims, e.g. by working directory or by a temp path in their command line.
import { readdirSync, readFileSync } from 'node:fs';

/** Whether `pid` exists and is neither a zombie nor dead (state Z or X in /proc/<pid>/stat). */
export function isLiveProcess(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

/** Live processes other than this one for which `claims(pid)` holds; one that vanishes meanwhile is skipped. */
export function liveProcessesWhere(claims: (pid: number) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (claims(pid) && isLiveProcess(pid)) found.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}
