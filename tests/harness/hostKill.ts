// A whole host's death, as a power cut does it (docs/scale-out.md#work-on-any-host): SIGKILL at
// once of its supervisor and of every process of that host — its children, their agents and
// the agents' tools — found by descent from the supervisor and by the state dir in their
// environment, command line or working directory. The test's own bus connection is closed too.
import { readFileSync, readlinkSync } from 'node:fs';
import { isLiveProcess, liveProcessesWhere } from './procScan.js';
import type { TestTree } from './tree.js';
import { until } from './until.js';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function namesDir(pid: number, dir: string): boolean {
  const read = (what: string) => {
    try {
      return what === 'cwd' ? readlinkSync(`/proc/${pid}/cwd`) : readFileSync(`/proc/${pid}/${what}`, 'utf8');
    } catch {
      return '';
    }
  };
  return ['environ', 'cmdline', 'cwd'].some((what) => read(what).includes(dir));
}

/** Every live process of the host: the supervisor, its descendants, anything naming its state dir. */
export function processesOfHost(tree: TestTree): number[] {
  const root = tree.process.pid;
  const descends = (pid: number): boolean => {
    for (let at: number | undefined = pid, hops = 0; at && at > 1 && hops < 64; at = parentOf(at), hops++)
      if (at === root) return true;
    return false;
  };
  return liveProcessesWhere((pid) => descends(pid) || namesDir(pid, tree.stateDir));
}

/** The command line of `pid`, for the report of what died. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * SIGKILLs every process of the host in one sweep (sweeping again for any a dying parent had
 * just forked), waits until none is live, and closes the test's connection. Returns what it
 * killed. The state dir stays, for a restart on it.
 */
export async function killHost(tree: TestTree): Promise<Array<{ pid: number; command: string }>> {
  const killed: Array<{ pid: number; command: string }> = [];
  for (let sweep = 0; sweep < 5; sweep++) {
    const pids = processesOfHost(tree).filter((pid) => !killed.some((k) => k.pid === pid));
    if (pids.length === 0) break;
    const commands = pids.map(commandOf);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    killed.push(...pids.map((pid, i) => ({ pid, command: commands[i]! })));
  }
  await until(() => killed.every((k) => !isLiveProcess(k.pid)), 'every process of the killed host gone', {
    timeoutMs: 10_000,
  });
  await tree.process;
  await tree.bus.nc.close().catch(() => undefined);
  return killed;
}
