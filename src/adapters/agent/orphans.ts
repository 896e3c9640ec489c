// Agents outliving their runner. When a runner is SIGKILLed its agent CLI keeps running —
// re-parented, in a process group and sessions of its own — and would go on editing a worktree
// whose mission is already being run again elsewhere. Every agent is therefore started with
// ROSHI_AGENT_OF=<runner name> in its environment, which every process it starts inherits, so
// the runner's next incarnation can find whatever its predecessor left, whatever the process
// tree looks like by then: it lets a live agent finish its run (src/actors/predecessorAgent.ts)
// and kills what is left.
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../../log.js';
import { readProc } from '../../process.js';

export const AGENT_OF_ENV = 'ROSHI_AGENT_OF';

/**
 * The marker's value for one actor of one installation: several roshi installations (or test
 * trees) on a machine each have a runner-1, and one must never kill another's agents.
 */
export function agentMarker(prefix: string, stateDir: string, actor: string): string {
  return `${prefix}@${stateDir}/${actor}`;
}

/** Every process (other than this one) whose environment says it belongs to `runner`'s agents. */
export function findOrphanedAgents(runner: string): number[] {
  const marker = `${AGENT_OF_ENV}=${runner}`;
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found; // no /proc: nothing we can find
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours
    }
    if (environ.split('\0').includes(marker) && readProc(pid)?.zombie === false) found.push(pid);
  }
  return found;
}

/** SIGKILLs every process (other than this one) whose environment says it belongs to `runner`'s agents. */
export function killOrphanedAgents(runner: string, logger: Logger): number[] {
  const killed: number[] = [];
  for (const pid of findOrphanedAgents(runner)) {
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  if (killed.length > 0)
    logger.warn({ runner, pids: killed }, 'killed agent processes left by a previous run of this runner');
  return killed;
}
