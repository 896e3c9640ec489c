// The runner's agent effect: model and effort resolved (project > role > default), the prompt
// (with the failing CI logs for a rebase), one agent run whose progress goes on the bus.
import { mkdirSync } from 'node:fs';
import type { AgentOutcome } from '../../machines/runner.js';
import { AGENT_OF_ENV, resolveEffort, resolveModel, runLogPath, type AgentRunResult } from '../adapters/agent/index.js';
import { dropStreamFile, streamFilePath } from '../adapters/agent/streamFile.js';
import { parsePullUrl } from '../adapters/github/pullUrl.js';
import type { SteeringSettings } from '../adapters/agent/runSteering.js';
import type { RoshiConfig } from '../config/index.js';
import { missionBudgetFor } from '../config/sections/missionBudgets.js';
import type { Mission } from '../contracts/index.js';
import { failingLogsForRebase } from '../prPoller/rebaseLogs.js';
import { promptFor } from '../runner/prompts.js';
import { missionRunLine, recordUsageLine } from '../usage/record.js';
import type { RunnerDeps, Workspace } from './runnerDeps.js';
import { keepStoppedWork } from './runnerKeepWork.js';

/** Progress lines kept for the `live` control verb. */
const LIVE_LINES = 20;

export async function runAgentFor(
  deps: RunnerDeps,
  mission: Mission,
  ws: Workspace,
  worktree: string,
  signal: AbortSignal,
): Promise<AgentRunResult> {
  const { config, logger, bus, name, live } = deps;
  const project = ws.project;
  const role = config.agent.roles[mission.kind];
  const model = resolveModel([
    { level: 'project', value: project.model },
    { level: 'role', value: role?.model },
    { level: 'default', value: config.agent.model },
  ]);
  const effort = resolveEffort([
    { level: 'project', value: project.effort },
    { level: 'role', value: role?.effort },
    { level: 'default', value: config.agent.effort },
  ]);
  for (const r of [...model.rejected, ...effort.rejected])
    logger.warn({ mission: mission.id, ...r }, 'invalid agent setting skipped');
  const fallback = resolveModel([{ level: 'default', value: config.agent.fallbackModel }]);
  const ciLogs = mission.kind === 'rebase' ? await rebaseLogs(deps, mission) : undefined;
  const prompt = promptFor(
    mission,
    {
      project: mission.project,
      branch: ws.branch,
      baseBranch: project.baseBranch,
      remote: project.remote,
      ...(ciLogs ? { ciLogs } : {}),
    },
    config.stateDir,
  );
  mkdirSync(deps.runLogDir, { recursive: true });
  const streamFile = streamFilePath(deps.streamDir, mission.id, mission.attempts);
  const run = await deps.agent.run({
    prompt,
    cwd: worktree,
    ...(model.value ? { model: model.value } : {}),
    ...(fallback.value ? { fallbackModel: fallback.value } : {}),
    ...(effort.value ? { effort: effort.value } : {}),
    maxTurns: config.agent.maxTurns,
    allowedTools: config.agent.allowedTools,
    env: { ...config.agent.env, [AGENT_OF_ENV]: deps.marker },
    idleTimeoutMs: config.agent.idleTimeout,
    timeoutMs: config.agent.timeout,
    killGraceMs: config.agent.killGrace,
    logFile: runLogPath(deps.runLogDir, mission.id),
    streamFile,
    steering: steeringFor(config, mission),
    signal,
    onProgress: (progress) => {
      live.push(progress);
      if (live.length > LIVE_LINES) live.shift();
      bus.publish(bus.subjects.runnerProgress(name), { runner: name, missionId: mission.id, ...progress });
    },
  });
  // A run roshi stopped keeps its work on the mission's branch (not pushed).
  const result =
    run.outcome === 'stalled' || run.outcome === 'budget'
      ? await keepStoppedWork(deps, mission, ws, worktree, run)
      : run;
  // Every run is counted: a success by the pipeline's usage step (with its PR), any other ending
  // here — also a cancel, whose outcome the machine no longer waits for.
  if (result.outcome !== 'success')
    recordUsageLine(config.stateDir, missionRunLine(mission, ws.branch, result, Date.now()), logger);
  // A success's stream file stays until the delivery is remembered (runner.ts); nothing else needs it.
  if (result.outcome !== 'success') await dropStreamFile(streamFile);
  return result;
}

/** agent.stall and the mission's budget (budgets.mission, its kind's entry first). */
export function steeringFor(config: RoshiConfig, mission: Pick<Mission, 'kind'>): SteeringSettings {
  const s = config.agent.stall;
  return {
    stall: {
      repeatedCall: s.repeatedCall,
      repeatedError: s.repeatedError,
      noProgressMs: s.noProgress,
      noProgressTurns: s.noProgressTurns,
      turnsWithoutEdits: s.turnsWithoutEdits,
      checkIntervalMs: s.checkInterval,
      nudge: s.nudge,
      graceTurns: s.graceTurns,
      stopGraceMs: s.stopGrace,
    },
    budget: missionBudgetFor(config.budgets.mission, mission.kind),
  };
}

export function toOutcome(result: AgentRunResult): AgentOutcome {
  return {
    outcome: result.outcome,
    at: Date.now(),
    summary: result.summary,
    ...(result.error ? { error: result.error } : {}),
    ...(result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {}),
    details: result,
  };
}

/**
 * Before a rebased branch is pushed: if the PR's last CI run was failing, its logs go to the
 * agent so the same push fixes it. Best effort — no token or no logs is no context.
 */
async function rebaseLogs({ github, config, logger }: RunnerDeps, mission: Mission): Promise<string | undefined> {
  const pr = mission.url ? parsePullUrl(mission.url) : undefined;
  if (!pr || !github) return undefined;
  return failingLogsForRebase(github, pr.repo, pr.number, config.ci.logTailLines).catch((error: unknown) => {
    logger.warn({ err: error, mission: mission.id }, 'could not read the failing CI logs for the rebase');
    return undefined;
  });
}
