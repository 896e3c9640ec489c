// The CI queue's rules, as pure functions over TrackedPr records: enter, new head, the CI
// verdict's action, leave. The rules in a table: docs/github.md#the-ci-queue. Records are kept by
// ciQueueStore.ts; the operator's messages and the /ci_check context are in ciQueueMessages.ts.
import type { FailingItem } from './ciStatus.js';
import type { CiState, LeaveReason, TrackedPr } from './types.js';

export { MAX_EMPTY_POLLS, type LeaveReason } from './types.js';
export {
  isTrackedPr,
  KvTrackedPrStore,
  MemoryTrackedPrStore,
  toCiEntry,
  watchCiQueue,
  type CiQueueView,
  type TrackedPrStore,
} from './ciQueueStore.js';
export { ciCheckContext, leaveMessage } from './ciQueueMessages.js';

export interface CiQueueSettings {
  /** ci.maxAttempts */
  maxAttempts: number;
  /** After a roshi mission on the PR ends, how long a still-failing old SHA is not acted on. */
  settleMs: number;
  /** Polls in a row without any CI before a PR leaves the queue (reconciler lesson: 10). */
  maxEmptyPolls: number;
}

/** Fingerprints of handled feedback kept per PR. */
const MAX_HANDLED_FEEDBACK = 50;

export type CiAction =
  | { type: 'none' }
  | { type: 'queueCheck' }
  | { type: 'waitApproval' }
  | { type: 'leave'; reason: LeaveReason };

// ─── pure rules ──────────────────────────────────────────────────────────────────────────────

export interface NewPr {
  repo: string;
  number: number;
  url: string;
  project: string;
  branch: string;
  headSha?: string;
}

/** A fresh record for an own PR (followed, not in the CI queue). */
export function newTrackedPr(pr: NewPr, maxAttempts: number, now: number): TrackedPr {
  return {
    repo: pr.repo,
    number: pr.number,
    url: pr.url,
    project: pr.project,
    branch: pr.branch,
    headSha: pr.headSha ?? '',
    state: 'open',
    ci: 'none',
    failing: [],
    attempts: 0,
    maxAttempts,
    unresolvedThreads: 0,
    handledFeedback: [],
    enteredAt: now,
    updatedAt: now,
    inCiQueue: false,
    emptyPolls: 0,
  };
}

/** roshi pushed to the PR (a mission finished with its URL): it is (still) in the CI queue. `push` names that push. */
export function enterQueue(
  existing: TrackedPr | undefined,
  pr: NewPr,
  maxAttempts: number,
  now: number,
  push?: string,
): TrackedPr {
  const base = existing ?? newTrackedPr(pr, maxAttempts, now);
  const rejoin = base.inCiQueue !== true;
  return {
    ...base,
    project: base.project || pr.project,
    branch: pr.branch || base.branch,
    maxAttempts,
    inCiQueue: true,
    ownActivityAt: now,
    emptyPolls: 0,
    ...(push !== undefined ? { enteredBy: push } : {}),
    ...(rejoin ? { attempts: 0, enteredAt: now, ci: 'none' as const, failing: [] } : {}),
    updatedAt: now,
  };
}

/** A roshi mission on the PR was claimed or ended: a new head SHA after this is roshi's own push. */
export function noteOwnActivity(pr: TrackedPr, now: number): TrackedPr {
  return { ...pr, ownActivityAt: now, updatedAt: now };
}

/** The head SHA the poller sees now. A new one restarts CI; pushed by someone else, it resets the attempts. */
export function observeHead(pr: TrackedPr, headSha: string, now: number): TrackedPr {
  if (headSha === pr.headSha) return pr;
  const first = pr.headSha === '';
  const byRoshi = pr.ownActivityAt !== undefined && pr.ownActivityAt >= (pr.shaSeenAt ?? pr.enteredAt);
  const next: TrackedPr = { ...pr, headSha, shaSeenAt: now, ci: 'none', failing: [], emptyPolls: 0, updatedAt: now };
  delete next.greenSince;
  delete next.ciTruncated;
  if (!first && !byRoshi && pr.inCiQueue === true) next.attempts = 0;
  return next;
}

/** What the CI verdict on the current head means for a PR in the queue. */
export function decideCi(pr: TrackedPr, ci: CiState, now: number, settings: CiQueueSettings): CiAction {
  if (pr.inCiQueue !== true) return { type: 'none' };
  switch (ci) {
    case 'success':
      return { type: 'leave', reason: 'success' };
    case 'blocked_approval':
      // Stays in the queue, read every cycle: once someone approves the run, its result is followed.
      return { type: 'waitApproval' };
    case 'pending':
      return { type: 'none' };
    case 'none':
      return (pr.emptyPolls ?? 0) + 1 >= settings.maxEmptyPolls ? { type: 'leave', reason: 'no_ci' } : { type: 'none' };
    case 'failure':
      if (pr.attempts >= settings.maxAttempts) return { type: 'leave', reason: 'budget' };
      // A roshi mission on this PR just ended: its push may not be visible yet.
      if (
        pr.ownActivityAt !== undefined &&
        now - pr.ownActivityAt < settings.settleMs &&
        pr.ownActivityAt > (pr.shaSeenAt ?? 0)
      )
        return { type: 'none' };
      return { type: 'queueCheck' };
  }
}

/** Applies a CI verdict to the record: state, failing jobs, empty-poll count, greenSince. Unchanged → the same object. */
export function recordCi(
  pr: TrackedPr,
  ci: CiState,
  failing: FailingItem[],
  truncated: boolean,
  now: number,
): TrackedPr {
  const next: TrackedPr = {
    ...pr,
    ci,
    failing: failing.map((f) => ({
      name: f.name,
      ...(f.url ? { url: f.url } : {}),
      ...(f.logTail ? { logTail: f.logTail } : {}),
    })),
    // only the queue counts empty polls: a followed PR without CI is no reason to give up on it
    emptyPolls: ci === 'none' && pr.inCiQueue === true ? (pr.emptyPolls ?? 0) + 1 : 0,
  };
  if (truncated) next.ciTruncated = true;
  else delete next.ciTruncated;
  if (ci === 'success' && pr.unresolvedThreads === 0)
    next.greenSince = pr.ci === 'success' && pr.greenSince !== undefined ? pr.greenSince : now;
  else delete next.greenSince;
  return JSON.stringify(next) === JSON.stringify(pr) ? pr : { ...next, updatedAt: now };
}

/** Leaves the CI queue (the record stays, for reviews and auto-merge). */
export function leaveQueue(pr: TrackedPr, now: number): TrackedPr {
  return { ...pr, inCiQueue: false, emptyPolls: 0, updatedAt: now };
}

export function rememberFeedback(pr: TrackedPr, fingerprint: string, now: number): TrackedPr {
  const handled = [...pr.handledFeedback.filter((f) => f !== fingerprint), fingerprint].slice(-MAX_HANDLED_FEEDBACK);
  return { ...pr, handledFeedback: handled, updatedAt: now };
}
