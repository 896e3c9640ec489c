// The post-mission pipeline: what happens after the agent finished in its worktree
// (docs/missions.md#post-mission-pipeline). Steps in order, each reported (StepReport):
// commit, push, pr, quality-gate, lint (gates.ts: fail closed), then usage, journal, notify
// (fire-and-forget behind circuit breakers). `ok` is false when the mission should not count
// as done; the fire-and-forget steps never change it.
import type { StepReport } from '../contracts/index.js';
import { commitStep } from './commitStep.js';
import { combineGates, gateEnv, runGate } from './gates.js';
import { DEFAULT_GATE_TIMEOUT_MS, STEP, type PipelineInput, type PipelineResult } from './pipelineTypes.js';
import { pullRequestStep } from './pullRequestStep.js';
import { pushStep } from './pushStep.js';
import { recordSteps } from './recordSteps.js';

export {
  breakerStatus,
  createPipelineBreakers,
  DEFAULT_SINK_TIMEOUT_MS,
  FIRE_AND_FORGET,
  type BreakerStatusRow,
  type FireAndForgetStep,
  type PipelineBreakers,
  type PipelineBreakersOptions,
} from './breakers.js';
export { combineGates, GATE_MODES, runGate, type GateMode, type GateOutcome, type GateSettings } from './gates.js';
export { commitMessage, notification, pullRequestBody, titleLine } from './pipelineText.js';
export {
  DEFAULT_GATE_TIMEOUT_MS,
  STEP,
  type AgentUsage,
  type GitAuthor,
  type JournalEntry,
  type PipelineInput,
  type PipelineProject,
  type PipelineResult,
  type UsageEntry,
} from './pipelineTypes.js';
export { repoOfRemote } from './pullRequestStep.js';

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const log = input.logger.child({ component: 'pipeline', mission: input.mission.id });
  const { project, worktree, branch } = input;
  const where = {
    pushRemote: project.pushRemote || project.remote,
    baseRef: `${project.remote}/${project.baseBranch}`,
  };
  const steps: StepReport[] = [];
  let missionFails = false;
  const report = (r: StepReport, failsMission = false): StepReport => {
    steps.push(r);
    if (failsMission) missionFails = true;
    const line = { step: r.step, ok: r.ok, skipped: r.skipped ?? false, detail: r.detail };
    if (r.ok) log.info(line, `pipeline ${r.step}: ${r.detail}`);
    else log.warn(line, `pipeline ${r.step}: ${r.detail}`);
    return r;
  };

  const { commit, failed: commitFailed } = await commitStep(input, report);
  const push = await pushStep(input, where, commitFailed, report);
  const prUrl = await pullRequestStep(input, where, push, report);

  const env = gateEnv(input.agentEnv ?? { passEnv: [], env: {} });
  const timeoutMs = input.gateTimeoutMs ?? DEFAULT_GATE_TIMEOUT_MS;
  const quality = await runGate(STEP.quality, project.qualityGate, worktree, env, timeoutMs, log);
  report(quality.report, quality.failsMission);
  const lint = await runGate(STEP.lint, project.lint, worktree, env, timeoutMs, log);
  report(lint.report, lint.failsMission);
  const gate = combineGates(quality.outcome, lint.outcome);
  const ok = !missionFails;
  const { pushed } = push;

  await recordSteps(input, { ...(prUrl ? { prUrl } : {}), pushed, gate, ok }, steps, report);

  return { steps, branch, ...(prUrl ? { prUrl } : {}), pushed, gate, ok, ...(commit ? { commit } : {}) };
}
