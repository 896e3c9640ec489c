// Pipeline steps `usage`, `journal`, `notify`: fire-and-forget, each behind its own circuit
// breaker (breakers.ts); they never change whether the mission counts as done.
import type { StepReport } from '../contracts/index.js';
import { guarded } from './breakers.js';
import { notification } from './pipelineText.js';
import {
  STEP,
  type JournalEntry,
  type PipelineInput,
  type PipelineResult,
  type ReportStep,
  type UsageEntry,
} from './pipelineTypes.js';

export async function recordSteps(
  input: PipelineInput,
  outcome: Pick<PipelineResult, 'prUrl' | 'pushed' | 'gate' | 'ok'>,
  steps: readonly StepReport[],
  report: ReportStep,
): Promise<void> {
  const { mission, project, branch } = input;
  const { prUrl, pushed, gate, ok } = outcome;
  const at = new Date(input.now()).toISOString();
  const usage: UsageEntry = {
    at,
    missionId: mission.id,
    project: project.name,
    kind: mission.kind,
    branch,
    ...(prUrl ? { prUrl } : {}),
    ...(input.usage ?? {}),
  };
  await guarded(input, 'usage', STEP.usage, () => input.recordUsage(usage), 'usage recorded').then(report);
  const entry: JournalEntry = {
    at,
    type: 'mission.pipeline',
    missionId: mission.id,
    project: project.name,
    kind: mission.kind,
    text: mission.text,
    branch,
    ...(prUrl ? { prUrl } : {}),
    pushed,
    gate,
    ok,
    steps: steps.map((s) => ({ ...s })),
  };
  await guarded(input, 'journal', STEP.journal, () => input.journal(entry), 'journal entry written').then(report);
  const text = notification(input, { steps: [...steps], prUrl, pushed, gate, ok });
  await guarded(input, 'notify', STEP.notify, () => input.notify(text), 'notification queued').then(report);
}
