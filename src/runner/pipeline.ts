// The post-mission pipeline: what happens after the agent finished in its worktree
// (docs/missions.md#post-mission-pipeline). Steps in order, each reported (StepReport):
// commit, quality-gate, lint (gates.ts: fail closed, before anything leaves the worktree), push
// and pr (held back or drafted by a red strict gate: gateVerdict.ts), then usage, journal,
// notify (fire-and-forget behind circuit breakers). An approval gate (approvalStep.ts) holds
// the push, or asks before the PR may auto-merge. `ok` is false when the mission should not
// count as done; the fire-and-forget steps never change it.
import type { StepReport } from '../contracts/index.js';
import { mergeApproval, pushApproval } from './approvalStep.js';
import { commitStep } from './commitStep.js';
import { gatesStep } from './gatesStep.js';
import type { PipelineInput, PipelineResult } from './pipelineTypes.js';
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
export { GATE_ON_FAIL, gateVerdict, type GateAction, type GateVerdict } from './gateVerdict.js';
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
  const { project, branch } = input;
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
  const { gate, verdict } = await gatesStep(input, log, report);
  const gateBlock = verdict.action === 'block' ? verdict.red : undefined;
  // approval: push stops here, with the work committed and the gates run (approvalStep.ts).
  const held =
    input.approval === 'push' && !commitFailed && !gateBlock && !missionFails
      ? await pushApproval(input, where, steps, report)
      : undefined;
  const push = held
    ? { pushed: false, failed: false }
    : await pushStep(input, where, { commitFailed, ...(gateBlock ? { gateBlock } : {}) }, report);
  const prUrl = held
    ? undefined
    : await pullRequestStep(input, where, push, { gate, verdict, ...(commit ? { commit } : {}) }, report);
  const ok = !missionFails;
  const { pushed } = push;
  const awaitingApproval =
    held ??
    (input.approval === 'merge' && ok && prUrl ? await mergeApproval(input, prUrl, where.baseRef, steps) : undefined);

  await recordSteps(input, { ...(prUrl ? { prUrl } : {}), pushed, gate, ok }, steps, report);

  return {
    steps,
    branch,
    ...(prUrl ? { prUrl } : {}),
    pushed,
    gate,
    ok,
    ...(commit ? { commit } : {}),
    ...(awaitingApproval ? { awaitingApproval } : {}),
  };
}
