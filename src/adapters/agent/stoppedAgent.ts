// A silent agent may not be hung but stopped (SIGSTOP, a job-control stop, a frozen cgroup):
// then it may hold an answer the API already sent and charged for. Before the idle timeout
// kills such an agent, it is continued — killing it would pay for the whole run again
// (docs/claude-cli.md#a-stopped-agent-is-continued). Linux /proc only; elsewhere nothing is found.
import { readProc } from '../../process.js';
import { descendants } from './processTree.js';

/** How many times one run's agent is continued before a silence counts as a hang. */
export const MAX_CONTINUES = 3;

/** Sends SIGCONT to `root` and every process below it that is stopped (state T); returns their pids. */
export function continueStopped(root: number): number[] {
  const stopped = [readProc(root), ...descendants(root)].filter((info) => info !== undefined && info.state === 'T');
  const continued: number[] = [];
  for (const info of stopped) {
    try {
      process.kill(info!.pid, 'SIGCONT');
      continued.push(info!.pid);
    } catch {
      // It ended meanwhile.
    }
  }
  return continued;
}
