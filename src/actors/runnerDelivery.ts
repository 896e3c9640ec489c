// A finished agent run is remembered on the mission record before its work is delivered, so a
// runner that dies during the pipeline (commit, gates, push, PR) does not cost a second agent
// run: the next attempt keeps the worktree and delivers. See docs/missions.md#delivery-after-a-crash.
import type { AgentOutcome } from '../../machines/runner.js';
import type { AgentDelivery, Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import type { MissionStore } from '../missions/store.js';
import type { AgentRunResult } from '../adapters/agent/index.js';

/** Writes the delivery checkpoint of a successful run; a failure only costs the saving. */
export async function rememberDelivery(
  store: MissionStore,
  mission: Mission,
  runner: string,
  outcome: AgentOutcome,
  logger: Logger,
): Promise<void> {
  const details = outcome.details as AgentRunResult | undefined;
  const delivery: AgentDelivery = {
    summary: outcome.summary,
    ...(details?.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
    ...(details?.tokens ? { tokens: details.tokens } : {}),
    durationMs: details?.durationMs ?? 0,
    attempt: mission.attempts,
    at: outcome.at,
  };
  await store
    .recordDelivery(mission.id, runner, delivery)
    .catch((error: unknown) =>
      logger.warn({ err: error, mission: mission.id }, 'finished agent run not remembered; a crash now re-runs it'),
    );
}

/** The outcome of the agent run an earlier attempt finished, as the pipeline reads it. */
export function deliveredOutcome(delivery: AgentDelivery, now: number): AgentOutcome {
  const { summary, costUsd, tokens, durationMs } = delivery;
  return {
    outcome: 'success',
    at: now,
    summary,
    details: { summary, durationMs, ...(costUsd !== undefined ? { costUsd } : {}), ...(tokens ? { tokens } : {}) },
  };
}
