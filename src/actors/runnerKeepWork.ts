// A run roshi stopped (a stall, the mission budget) keeps its work: what the agent left in the
// worktree is committed on the mission's branch, in the local repository only. Nothing of an
// unfinished task is pushed without the operator, and the branch outlives the worktree.
// docs/missions.md#stalls-and-budgets-per-mission
import type { AgentRunResult } from '../adapters/agent/index.js';
import { commitLeftovers } from '../adapters/git.js';
import type { Mission } from '../contracts/index.js';
import type { RunnerDeps, Workspace } from './runnerDeps.js';

/** The result with where its work went added to its error. */
export async function keepStoppedWork(
  deps: Pick<RunnerDeps, 'config' | 'logger'>,
  mission: Mission,
  ws: Workspace,
  worktree: string,
  result: AgentRunResult,
): Promise<AgentRunResult> {
  const { git } = deps.config;
  const why = result.outcome === 'budget' ? 'mission budget reached' : 'stalled';
  let kept: string;
  try {
    const c = await commitLeftovers(worktree, {
      message: `roshi: work so far on mission ${mission.id} (${why}, not finished)`,
      authorName: git.authorName,
      authorEmail: git.authorEmail,
    });
    kept = `the work so far is kept on branch ${ws.branch} at ${c.sha.slice(0, 10)} (local, not pushed)`;
  } catch (error) {
    deps.logger.warn({ err: error, mission: mission.id }, 'could not commit the work of a stopped run');
    kept = `the work so far stays uncommitted: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { ...result, error: `${result.error ?? why}; ${kept}` };
}
