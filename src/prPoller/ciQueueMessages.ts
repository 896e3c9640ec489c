// What the operator is told when a PR leaves the CI queue, and what a /ci_check mission is given.
// docs/github.md#the-ci-queue
import { untrustedBlock } from '../runner/untrusted.js';
import type { FailingItem } from './ciStatus.js';
import { MAX_EMPTY_POLLS, type LeaveReason, type TrackedPr } from './types.js';

/** The operator's message for a PR leaving the queue. */
export function leaveMessage(pr: TrackedPr, reason: LeaveReason, blocked: readonly string[] = []): string {
  const failing = pr.failing.map((f) => f.name).join(', ') || 'unknown jobs';
  switch (reason) {
    case 'success':
      return `✅ CI passed on ${pr.url} (${pr.branch})${pr.attempts > 0 ? ` after ${pr.attempts} fix attempt${pr.attempts === 1 ? '' : 's'}` : ''}`;
    case 'blocked_approval':
      return `✋ CI of ${pr.url} waits for approval${blocked.some((b) => b !== '') ? ` (${blocked.filter((b) => b !== '').join(', ')})` : ''}: approve the run on GitHub; roshi stops retrying it`;
    case 'budget':
      return `🚦 CI of ${pr.url} still fails after ${pr.attempts}/${pr.maxAttempts} /ci_check attempts (${failing}): over to you`;
    case 'no_ci':
      return `🚦 no CI reported on ${pr.url} after ${MAX_EMPTY_POLLS} polls; roshi stops watching its CI`;
    case 'merged':
      return `🔀 ${pr.url} was merged; it leaves the CI queue`;
    case 'closed':
      return `🚪 ${pr.url} was closed; it leaves the CI queue`;
  }
}

/** The operator's message when CI of a PR in the queue starts waiting for an approval (said once per head). */
export function waitsForApprovalMessage(pr: TrackedPr, blocked: readonly string[]): string {
  const names = blocked.filter((name) => name !== '');
  return `✋ CI of ${pr.url} waits for approval${names.length > 0 ? ` (${names.join(', ')})` : ''}: approve the run on GitHub; roshi follows it once approved`;
}

/** The /ci_check mission's context: what fails, with the log tails. */
export function ciCheckContext(pr: TrackedPr, failing: readonly FailingItem[], attempt: number): string {
  const lines = [
    `CI fails on ${pr.url} (branch ${pr.branch}, head ${pr.headSha.slice(0, 12)}). This is fix attempt ${attempt} of ${pr.maxAttempts}.`,
    '',
    `Failing: ${failing.map((f) => f.name).join(', ') || 'unknown'}`,
  ];
  for (const f of failing) {
    lines.push('', `### ${f.name}${f.url ? ` (${f.url})` : ''}`);
    // The log is output of the PR's code and of whatever it runs: anyone who can push to the
    // branch or its dependencies writes it, so it is data in an untrusted block.
    if (f.logTail)
      lines.push('', untrustedBlock(f.logTail, { kind: `CI log of ${f.name}`, ...(f.url ? { where: f.url } : {}) }));
    else lines.push('', '(no log available)');
  }
  return lines.join('\n');
}
