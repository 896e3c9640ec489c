// How a runner's attempt becomes what it tells the store: the agent's outcome and the
// post-mission pipeline's result turn into one MissionOutcome (class, error, final, result,
// the pipeline's report for the operator's notice). Pure: the store's decideFinish then
// picks done, retry with backoff, transient retry, failed or poison from it.
import type { OutcomeClass, StepReport, TokenUsage } from '../contracts/index.js';
import type { ApprovalRequest } from './approval.js';
import type { MissionOutcome } from './transitions.js';

/** Preparation failures no retry can change: the mission fails at once. */
export const REFUSALS = /not my PR|there is no GitHub token|is not configured \(projects\./;

/** The agent's run as the runner machine reports it (AgentOutcome, with the adapter's details). */
export interface AttemptOutcome {
  outcome: OutcomeClass;
  summary: string;
  error?: string;
  retryAfterMs?: number;
  details?: { costUsd?: number; tokens?: TokenUsage; durationMs: number };
}

/** The pipeline's result (PipelineResult and its report for the operator), a pipeline that threw, or none (it did not run). */
export type PipelineOutcome =
  | { ok: boolean; steps: StepReport[]; prUrl?: string; report?: string; awaitingApproval?: ApprovalRequest }
  | { error: string }
  | undefined;

export function missionOutcome(agent: AttemptOutcome, pipeline: PipelineOutcome, branch?: string): MissionOutcome {
  const pipelineFailed =
    pipeline && 'error' in pipeline
      ? pipeline.error
      : pipeline && !pipeline.ok
        ? failedSteps(pipeline.steps)
        : undefined;
  // The agent succeeded but the work did not land: no retry of the same run would help.
  const cls: OutcomeClass = agent.outcome === 'success' && pipelineFailed ? 'permanent' : agent.outcome;
  const final = agent.error !== undefined && REFUSALS.test(agent.error);
  const error = pipelineFailed ?? agent.error;
  const details = agent.details;
  return {
    class: cls,
    ...(final ? { final } : {}),
    ...(error ? { error } : {}),
    ...(agent.retryAfterMs !== undefined ? { retryAfterMs: agent.retryAfterMs } : {}),
    ...(pipeline && 'report' in pipeline && pipeline.report ? { report: pipeline.report } : {}),
    ...(cls === 'success' && pipeline && 'awaitingApproval' in pipeline && pipeline.awaitingApproval
      ? { hold: pipeline.awaitingApproval }
      : {}),
    result: {
      summary: agent.summary,
      ...(branch !== undefined ? { branch } : {}),
      ...(pipeline && 'steps' in pipeline
        ? { steps: pipeline.steps, ...(pipeline.prUrl ? { prUrl: pipeline.prUrl } : {}) }
        : {}),
      ...(details?.costUsd !== undefined ? { costUsd: details.costUsd } : {}),
      ...(details?.tokens ? { tokens: details.tokens } : {}),
      ...(details ? { durationMs: details.durationMs } : {}),
      ...(cls !== 'success' ? { errorClass: cls } : {}),
      ...(error ? { error } : {}),
    },
  };
}

function failedSteps(steps: StepReport[]): string {
  return `post-mission: ${steps
    .filter((s) => !s.ok && !s.skipped)
    .map((s) => `${s.step}: ${s.detail}`)
    .join('; ')}`;
}
