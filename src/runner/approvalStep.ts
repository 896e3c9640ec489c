// The approval gate in the pipeline (docs/missions.md#approval). `push`: after commit and gates,
// a branch with commits to push stops here, reported as held, with the summary the operator
// approves (files, lines, gates, cost); nothing leaves the worktree. `merge` is asked after the
// PR step, for a PR that exists. A run of an approved mission holds at neither.
import { commitsAhead, remoteBranchExists } from '../adapters/git.js';
import { diffStat } from '../adapters/git/diffStat.js';
import type { StepReport } from '../contracts/index.js';
import type { ApprovalRequest } from '../missions/approval.js';
import { STEP, type PipelineInput, type ReportStep } from './pipelineTypes.js';

/** Files named in a summary before "and N more". */
const FILES_NAMED = 5;

/** push: the request when the branch has commits to push, else undefined (nothing to approve). */
export async function pushApproval(
  input: PipelineInput,
  where: { pushRemote: string; baseRef: string },
  steps: readonly StepReport[],
  report: ReportStep,
): Promise<ApprovalRequest | undefined> {
  const { worktree, branch } = input;
  const onRemote = await remoteBranchExists(worktree, where.pushRemote, branch);
  const against = onRemote ? `${where.pushRemote}/${branch}` : where.baseRef;
  const ahead = await commitsAhead(worktree, against);
  if (ahead === 0) return undefined;
  const stat = await diffStat(worktree, where.baseRef);
  const commits = `${ahead} commit${ahead === 1 ? '' : 's'}`;
  const summary = approvalSummary(input, stat, steps, commits);
  report({
    step: STEP.push,
    ok: true,
    skipped: true,
    detail: `skipped: held for approval (approval: push), ${commits}`,
  });
  report({ step: STEP.pr, ok: true, skipped: true, detail: 'skipped: held for approval (approval: push)' });
  return { gate: 'push', summary };
}

/** merge: the request for the PR this run opened or updated. */
export async function mergeApproval(
  input: PipelineInput,
  prUrl: string,
  baseRef: string,
  steps: readonly StepReport[],
): Promise<ApprovalRequest> {
  const stat = await diffStat(input.worktree, baseRef).catch(() => ({ files: [], added: 0, removed: 0 }));
  return { gate: 'merge', summary: `${prUrl}: ${approvalSummary(input, stat, steps)}` };
}

/** "3 files changed (a.ts, b.ts, c.ts), +10 −2 lines; quality-gate passed, lint off; cost $0.12" */
export function approvalSummary(
  input: Pick<PipelineInput, 'usage'>,
  stat: { files: string[]; added: number; removed: number },
  steps: readonly StepReport[],
  commits?: string,
): string {
  const named = stat.files.slice(0, FILES_NAMED).join(', ');
  const more = stat.files.length > FILES_NAMED ? ` and ${stat.files.length - FILES_NAMED} more` : '';
  const files = `${stat.files.length} file${stat.files.length === 1 ? '' : 's'} changed${named ? ` (${named}${more})` : ''}`;
  const lines = `+${stat.added} −${stat.removed} lines`;
  const gates = steps
    .filter((s) => s.step === STEP.quality || s.step === STEP.lint)
    .map((s) => `${s.step} ${gateWord(s)}`)
    .join(', ');
  const cost = input.usage?.costUsd !== undefined ? `cost $${input.usage.costUsd.toFixed(2)}` : 'cost unknown';
  return [`${files}, ${lines}${commits ? ` in ${commits}` : ''}`, gates || 'no gates', cost].join('; ');
}

function gateWord(s: StepReport): string {
  if (s.skipped) return 'off';
  return s.ok ? 'passed' : 'failed';
}
