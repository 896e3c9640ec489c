// Stopping an agent run: SIGTERM first, SIGKILL after the grace. SIGTERM alone is not enough:
// during a Bash tool call the CLI kills the tool and carries on (docs/claude-cli.md#process-and-signals).
import { sleep } from '../../time/sleep.js';
import type { ProcessTree } from './processTree.js';

/** After SIGKILL, how long to wait for the process to be reaped before giving up on it. */
const REAP_WAIT_MS = 2000;
const POLL_MS = 50;

/**
 * SIGTERM to the tree, poll for its end during the grace period, SIGKILL whatever is left, then
 * wait (bounded) for it to be reaped.
 */
export async function killTree(
  tree: ProcessTree,
  graceMs: number,
  rootExited: () => boolean,
  writeLog: (line: string) => void,
): Promise<void> {
  tree.refresh();
  tree.signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(POLL_MS);
    if (!rootExited()) tree.refresh();
    if (!tree.alive(rootExited())) {
      writeLog('[roshi] the agent and its processes ended after SIGTERM');
      return;
    }
  }
  if (!rootExited()) tree.refresh();
  writeLog(`[roshi] still alive after ${graceMs}ms: SIGKILL`);
  tree.signal('SIGKILL');
  const reapDeadline = Date.now() + REAP_WAIT_MS;
  while (Date.now() < reapDeadline && tree.alive(rootExited())) await sleep(POLL_MS);
}

/** setTimeout fires at once for delays past 2^31-1 ms (~24.8 days): clamp. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), 2_147_483_647);
}
