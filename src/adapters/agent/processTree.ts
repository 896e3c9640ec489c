// Killing an agent and everything it started. The CLI runs in its own process group
// (`detached: true`), so one signal to the group reaches it and its ordinary children. But
// Claude Code's Bash tool starts each command in a new session of its own (observed with
// 2.1.197: `sleep` had sid = pgid = its own pid), out of reach of a signal to the agent's group;
// and once the agent is dead those commands are re-parented and no longer findable. So before
// and while killing, the tree below the agent is read from /proc and every process group found
// in it is signalled too. Processes are remembered with their start time so a recycled pid is
// never signalled by mistake. On systems without /proc only the group is signalled.
import { readdirSync } from 'node:fs';
import { readProc, type ProcInfo } from '../../process.js';

/** Every live process below `root` (not including it), found through /proc. */
export function descendants(root: number): ProcInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, ProcInfo[]>();
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const info = readProc(pid);
    if (!info) continue;
    const list = children.get(info.ppid);
    if (list) list.push(info);
    else children.set(info.ppid, [info]);
  }
  const found: ProcInfo[] = [];
  const queue = [root];
  const seen = new Set<number>([root]);
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const child of children.get(parent) ?? []) {
      if (seen.has(child.pid)) continue;
      seen.add(child.pid);
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while the very process we remembered (same pid, same start time) is alive. */
export function isSameProcessAlive(info: Pick<ProcInfo, 'pid' | 'startTime'>): boolean {
  const now = readProc(info.pid);
  return now !== undefined && !now.zombie && now.startTime === info.startTime;
}

function send(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a live (non-zombie) process is left in the group. Reads /proc so that zombies nobody
 * reaps (a container whose pid 1 does not) are not taken for survivors; without /proc, asks the
 * kernel (where a zombie counts as alive).
 */
export function groupAlive(pgid: number): boolean {
  let entries: string[] | undefined;
  try {
    entries = readdirSync('/proc');
  } catch {
    entries = undefined;
  }
  if (entries === undefined) {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const info = readProc(pid);
    if (info && info.pgid === pgid && !info.zombie) return true;
  }
  return false;
}

/**
 * The agent's process tree as known so far: refresh() adds what is below the root now, signal()
 * sends to the root's group, to every group led by a process of the tree, and to tree members
 * in foreign groups individually; alive() says whether anything of it remains.
 */
export class ProcessTree {
  private readonly members = new Map<number, ProcInfo>();

  constructor(readonly rootPid: number) {}

  refresh(): void {
    for (const info of descendants(this.rootPid)) {
      const known = this.members.get(info.pid);
      if (!known || known.startTime !== info.startTime) this.members.set(info.pid, info);
    }
  }

  /** Remembered members still alive (by pid and start time). */
  liveMembers(): ProcInfo[] {
    return [...this.members.values()].filter(isSameProcessAlive);
  }

  signal(signal: NodeJS.Signals): void {
    send(-this.rootPid, signal);
    const live = this.liveMembers();
    const leaders = new Set(live.filter((m) => m.pgid === m.pid).map((m) => m.pid));
    for (const member of live) {
      if (member.pgid === this.rootPid) continue; // reached through the root's group
      if (leaders.has(member.pgid)) {
        // The whole group of a tree member; its leader is one of ours (checked just above).
        send(-member.pgid, signal);
      } else {
        send(member.pid, signal);
      }
    }
  }

  /** Whether the root's group or any remembered member still has a live process. */
  alive(rootExited: boolean): boolean {
    if (!rootExited) return true;
    if (groupAlive(this.rootPid)) return true;
    return this.liveMembers().length > 0;
  }
}
