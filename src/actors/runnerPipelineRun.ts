// The runner's post-mission effect: the pipeline's input from the config, the workspace and the
// agent's result; usage and journal lines appended (scrubbed) under the state directory.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentOutcome } from '../../machines/runner.js';
import type { AgentRunResult } from '../adapters/agent/index.js';
import { githubHostFromApiUrl } from '../adapters/git.js';
import type { Mission } from '../contracts/index.js';
import { approvalModeFor, gateToHold } from '../missions/approvalMode.js';
import { statePaths } from '../paths.js';
import { runPipeline, type PipelineResult } from '../runner/pipeline.js';
import { scrubJson } from '../secrets/scrubber.js';
import { writeUsageLine } from '../usage/record.js';
import type { RunnerDeps, Workspace } from './runnerDeps.js';

export function pipelineFor(
  deps: RunnerDeps,
  mission: Mission,
  ws: Workspace,
  worktree: string,
  outcome: AgentOutcome,
): Promise<PipelineResult & { report?: string }> {
  const { config, github, logger } = deps;
  const paths = statePaths(config.stateDir);
  const details = outcome.details as AgentRunResult | undefined;
  const githubHost = githubHostFromApiUrl(config.github.apiUrl);
  // The notify step's report goes out with how the mission ended (missions/notice.ts), not now:
  // a runner that died between the two would otherwise tell the operator twice.
  let report: string | undefined;
  const approvedDelivery = mission.approval?.gate === 'push' && mission.approval.state === 'approved';
  const result = runPipeline({
    mission,
    worktree,
    branch: ws.branch,
    project: { ...ws.project, name: mission.project },
    git: { authorName: config.git.authorName, authorEmail: config.git.authorEmail },
    github,
    githubTokenEnv: config.github.tokenEnv,
    agentEnv: { passEnv: config.agent.passEnv, env: config.agent.env },
    ...(githubHost ? { githubHost } : {}),
    summary: outcome.summary,
    // An approved delivery's agent run was counted when it was held (docs/missions.md#approval).
    usage: approvedDelivery
      ? { durationMs: 0 }
      : {
          ...(details?.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
          ...(details?.tokens ? { tokens: details.tokens } : {}),
          durationMs: details?.durationMs ?? 0,
        },
    approval: gateToHold(approvalModeFor(config, mission), mission),
    ...(mission.kind === 'rebase' ? { force: 'with-lease' as const } : {}),
    breakers: deps.breakers,
    // The pipeline runs after a successful agent run only; other endings: runnerAgentRun.ts.
    recordUsage: (entry) =>
      writeUsageLine(config.stateDir, { ...entry, attempt: mission.attempts, outcome: 'success' }),
    journal: (entry) => appendLine(paths.journal, entry),
    notify: (text) => void (report = text),
    logger,
    now: Date.now,
  });
  return result.then((r) => ({ ...r, ...(report ? { report } : {}) }));
}

function appendLine(file: string, entry: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, scrubJson(JSON.stringify(entry)) + '\n');
}
