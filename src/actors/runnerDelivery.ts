// A finished agent run is remembered on the mission record before its work is delivered, so a
// runner that dies during the pipeline (commit, gates, push, PR) does not cost a second agent
// run: the next attempt keeps the worktree and delivers. A runner that dies before it could
// remember the run leaves the agent's stream file, which the next claim adopts.
// See docs/missions.md#delivery-after-a-crash.
import type { AgentOutcome } from '../../machines/runner.js';
import type { AgentDelivery, Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import type { MissionStore } from '../missions/store.js';
import type { AgentRunResult } from '../adapters/agent/index.js';
import { dropStreamFile, finishedRunIn, streamFilePath, type FinishedRun } from '../adapters/agent/streamFile.js';

/**
 * Writes the delivery checkpoint of a successful run; a failure only costs the saving. Once
 * written, the run's stream file has served its purpose.
 */
export async function rememberDelivery(
  store: MissionStore,
  mission: Mission,
  runner: string,
  outcome: AgentOutcome,
  logger: Logger,
  streamDir: string,
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
  await store.recordDelivery(mission.id, runner, delivery).then(
    () => dropStreamFile(streamFilePath(streamDir, mission.id, mission.attempts)),
    (error: unknown) =>
      logger.warn({ err: error, mission: mission.id }, 'finished agent run not remembered; a crash now re-runs it'),
  );
}

/**
 * A freshly claimed mission whose earlier attempt's agent printed a successful result that its
 * runner never remembered (it died or froze first) gets that run as its delivery: the next
 * steps keep the worktree and deliver instead of running the agent again. Every earlier attempt
 * is looked at, newest first: one that died before its agent started leaves no file, and the
 * file before it still counts. Files are only ever left by a runner that died.
 */
export async function adoptFinishedRun(
  store: MissionStore,
  mission: Mission,
  runner: string,
  streamDir: string,
  logger: Logger,
): Promise<Mission> {
  if (mission.delivery) return mission;
  let found: { attempt: number; run: FinishedRun } | undefined;
  for (let attempt = mission.attempts - 1; attempt >= 1; attempt--) {
    const streamFile = streamFilePath(streamDir, mission.id, attempt);
    const run = found ? undefined : await finishedRunIn(streamFile);
    if (run) found = { attempt, run };
    else await dropStreamFile(streamFile);
  }
  if (!found) return mission;
  const { attempt, run } = found;
  const streamFile = streamFilePath(streamDir, mission.id, attempt);
  const { summary, costUsd, tokens, durationMs } = run;
  const delivery: AgentDelivery = {
    summary,
    ...(costUsd !== undefined ? { costUsd } : {}),
    ...(tokens ? { tokens } : {}),
    durationMs,
    attempt,
    at: Date.now(),
  };
  try {
    const adopted = await store.recordDelivery(mission.id, runner, delivery);
    await dropStreamFile(streamFile);
    logger.info({ mission: mission.id, agentAttempt: attempt }, 'adopted the agent run an earlier attempt finished');
    return adopted;
  } catch (error) {
    logger.warn({ err: error, mission: mission.id }, 'finished agent run not adopted; the agent runs again');
    return mission;
  }
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
