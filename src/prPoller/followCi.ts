// One followed PR's CI on its head commit: read the verdict (the base branch's required checks
// decide when `base` is given), record it, and act on it as the CI queue's rules say (a
// /ci_check mission with the failing jobs' logs, telling the operator a run waits for approval,
// or leaving the queue). docs/github.md#the-ci-queue
import type { CiReader } from './ciFetch.js';
import { ciCheckContext, decideCi, MAX_EMPTY_POLLS, recordCi } from './ciQueue.js';
import { waitsForApprovalMessage } from './ciQueueMessages.js';
import type { PrStep } from './pollerTypes.js';
import type { LeaveReason, TrackedPr } from './types.js';

export interface CiStep extends PrStep {
  ci: CiReader;
  /** Leaves the CI queue, telling the operator why. */
  leave(pr: TrackedPr, reason: LeaveReason, blocked?: readonly string[]): Promise<TrackedPr>;
}

export async function followCi(step: CiStep, start: TrackedPr, base?: string): Promise<TrackedPr> {
  const now = step.clock();
  const verdict = await step.guard(`CI of ${start.url}`, () => step.ci.verdict(start.repo, start.headSha, base));
  if (!verdict) return start;
  const action = decideCi(start, verdict.state, now, {
    maxAttempts: step.settings.maxAttempts,
    settleMs: step.settings.settleMs,
    maxEmptyPolls: MAX_EMPTY_POLLS,
  });
  let pr = recordCi(start, verdict.state, verdict.failing, verdict.truncated, now);
  if (start.ci !== pr.ci) {
    step.ports.logger.info(
      {
        url: pr.url,
        sha: pr.headSha,
        ci: pr.ci,
        truncated: verdict.truncated,
        failing: verdict.failing.map((f) => f.name),
        ...(verdict.optionalFailing.length > 0 ? { optionalFailing: verdict.optionalFailing.map((f) => f.name) } : {}),
        ...(verdict.missing.length > 0 ? { missingRequired: verdict.missing } : {}),
      },
      'CI changed',
    );
    step.ports.publish?.({
      type: 'ci',
      repo: pr.repo,
      number: pr.number,
      url: pr.url,
      sha: pr.headSha,
      state: pr.ci,
      at: now,
    });
  }
  if (action.type === 'leave') return step.leave(pr, action.reason, verdict.blocked);
  if (action.type === 'waitApproval') {
    // Said once per head: the PR stays in the queue and is read every cycle until the run is approved.
    if (start.ci !== 'blocked_approval') {
      step.ports.logger.info({ url: pr.url, blocked: verdict.blocked }, 'CI waits for approval');
      await step.ports.notify(
        waitsForApprovalMessage(pr, verdict.blocked),
        `pr-${pr.repo}-${pr.number}-blocked_approval-${pr.headSha.slice(0, 12)}`,
      );
    }
    return pr;
  }
  if (action.type === 'queueCheck') {
    const failing = await step.ci.withLogs(pr.repo, pr.headSha, verdict.failing, (what, fn) => step.guard(what, fn));
    pr = {
      ...pr,
      failing: failing.map((f) => ({
        name: f.name,
        ...(f.url ? { url: f.url } : {}),
        ...(f.logTail ? { logTail: f.logTail.slice(-2_000) } : {}),
      })),
    };
    const added = await step.ports.missions.add({
      text: `/ci_check ${pr.url}`,
      project: pr.project,
      context: ciCheckContext(pr, failing, pr.attempts + 1),
    });
    if (added === 'duplicate') return pr;
    step.ports.logger.info(
      { url: pr.url, mission: added.id, attempt: pr.attempts + 1, of: pr.maxAttempts },
      'queued a /ci_check mission',
    );
    step.ports.publish?.({
      type: 'mission',
      repo: pr.repo,
      number: pr.number,
      url: pr.url,
      kind: 'ci_check',
      id: added.id,
      at: now,
    });
    return { ...pr, attempts: pr.attempts + 1, ownActivityAt: now };
  }
  return pr;
}
