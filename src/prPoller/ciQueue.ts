// The CI queue: own PRs roshi pushed, waiting for CI's verdict on their latest head commit.
// Records (TrackedPr) live in KV <prefix>_state under `ci.<owner>/<repo>/<number>`; every own
// PR the poller follows has one, and `inCiQueue` marks the queue. The rules, as pure functions:
//
//   enter      a mission finished with a PR URL on an own branch (roshi pushed) → in the
//              queue, attempts 0 (a PR already in it keeps its attempts: that was roshi's fix)
//   new head   a head SHA seen for the first time: CI starts over; when no roshi mission on the
//              PR was claimed or ended since the previous SHA, someone else pushed → attempts 0
//   failure    a /ci_check mission (context: failing jobs and their log tails) while attempts
//              < maxAttempts, at most one at a time (the store refuses a duplicate); not while
//              a roshi mission on the PR just ended and its push may not show yet (settle);
//              budget spent → 🚦 and out
//   success    ✅ and out          blocked_approval → ✋ and out (a person must approve)
//   none       ten polls in a row with no CI at all → out, so a repository without CI is not
//              polled fast forever
//   closed / merged → out, and no longer followed at all
//
// A PR out of the queue stays followed (reviews, auto-merge) until closed or merged, and comes
// back into the queue the next time a roshi mission pushes to it.
import type { JsonKv } from '../bus/index.js';
import type { Logger } from '../log.js';
import type { CiEntry } from '../missions/render.js';
import { untrustedBlock } from '../runner/untrusted.js';
import type { FailingItem } from './ciStatus.js';
import { CI_QUEUE_KEYS, ciQueueKey, type CiState, type TrackedPr } from './types.js';

export interface CiQueueSettings {
  /** ci.maxAttempts */
  maxAttempts: number;
  /** After a roshi mission on the PR ends, how long a still-failing old SHA is not acted on. */
  settleMs: number;
  /** Polls in a row without any CI before a PR leaves the queue (reconciler lesson: 10). */
  maxEmptyPolls: number;
}

export const MAX_EMPTY_POLLS = 10;
/** Fingerprints of handled feedback kept per PR. */
const MAX_HANDLED_FEEDBACK = 50;

export type LeaveReason = 'success' | 'blocked_approval' | 'budget' | 'no_ci' | 'closed' | 'merged';

export type CiAction = { type: 'none' } | { type: 'queueCheck' } | { type: 'leave'; reason: LeaveReason };

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

/** roshi pushed to the PR (a mission finished with its URL): it is (still) in the CI queue. */
export function enterQueue(existing: TrackedPr | undefined, pr: NewPr, maxAttempts: number, now: number): TrackedPr {
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
      return { type: 'leave', reason: 'blocked_approval' };
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

/** The operator's message for a PR leaving the queue. */
export function leaveMessage(pr: TrackedPr, reason: LeaveReason, blocked: readonly string[] = []): string {
  const failing = pr.failing.map((f) => f.name).join(', ') || 'unknown jobs';
  switch (reason) {
    case 'success':
      return `✅ CI passed on ${pr.url} (${pr.branch})${pr.attempts > 0 ? ` after ${pr.attempts} fix attempt${pr.attempts === 1 ? '' : 's'}` : ''}`;
    case 'blocked_approval':
      return `✋ CI of ${pr.url} waits for approval${blocked.length > 0 ? ` (${blocked.join(', ')})` : ''}: approve the run on GitHub; roshi stops retrying it`;
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

/** A CI queue entry as missions.md shows it. */
export function toCiEntry(pr: TrackedPr): CiEntry {
  return { project: pr.project, url: pr.url, branch: pr.branch, attempt: pr.attempts, maxAttempts: pr.maxAttempts };
}

// ─── persistence ─────────────────────────────────────────────────────────────────────────────

/** Where tracked PRs are kept. */
export interface TrackedPrStore {
  list(): Promise<TrackedPr[]>;
  put(pr: TrackedPr): Promise<void>;
  delete(repo: string, number: number): Promise<void>;
}

/** TrackedPr records in the KV state bucket. */
export class KvTrackedPrStore implements TrackedPrStore {
  constructor(
    private readonly kv: JsonKv,
    private readonly logger?: Logger,
  ) {}

  async list(): Promise<TrackedPr[]> {
    const out: TrackedPr[] = [];
    for (const key of await this.kv.keys(CI_QUEUE_KEYS)) {
      try {
        const entry = await this.kv.get<TrackedPr>(key);
        if (entry && isTrackedPr(entry.value)) out.push(entry.value);
        else if (entry) this.logger?.warn({ key }, 'ignored an unreadable CI queue record');
      } catch (error) {
        this.logger?.warn({ key, err: error }, 'ignored an unreadable CI queue record');
      }
    }
    return out;
  }

  async put(pr: TrackedPr): Promise<void> {
    await this.kv.put(ciQueueKey(pr.repo, pr.number), pr);
  }

  async delete(repo: string, number: number): Promise<void> {
    await this.kv.delete(ciQueueKey(repo, number));
  }
}

/** In memory (tests, the request benchmark). */
export class MemoryTrackedPrStore implements TrackedPrStore {
  readonly records = new Map<string, TrackedPr>();
  async list(): Promise<TrackedPr[]> {
    return [...this.records.values()];
  }
  async put(pr: TrackedPr): Promise<void> {
    this.records.set(ciQueueKey(pr.repo, pr.number), pr);
  }
  async delete(repo: string, number: number): Promise<void> {
    this.records.delete(ciQueueKey(repo, number));
  }
}

export function isTrackedPr(value: unknown): value is TrackedPr {
  const v = value as Partial<TrackedPr> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.repo === 'string' &&
    typeof v.number === 'number' &&
    typeof v.url === 'string' &&
    typeof v.attempts === 'number' &&
    typeof v.maxAttempts === 'number' &&
    Array.isArray(v.handledFeedback)
  );
}

// ─── the missions.md view ────────────────────────────────────────────────────────────────────

export interface CiQueueView {
  /** Entries in the queue, oldest first. */
  entries(): CiEntry[];
  initialized: Promise<void>;
  stop(): void;
}

/**
 * Follows the CI queue in KV for the missions actor (the single writer of missions.md):
 * `onChange` is called after every change once the current records are in.
 */
export async function watchCiQueue(kv: JsonKv, onChange: () => void, logger?: Logger): Promise<CiQueueView> {
  const records = new Map<string, TrackedPr>();
  let ready = false;
  const watch = await kv.watch<TrackedPr>(
    {
      onChange: (change) => {
        if (change.operation === 'put' && isTrackedPr(change.value)) records.set(change.key, change.value);
        else records.delete(change.key);
        if (ready) onChange();
      },
      onBadValue: (key) => logger?.warn({ key }, 'ignored an unreadable CI queue record'),
    },
    { key: CI_QUEUE_KEYS },
  );
  const initialized = watch.initialized.then(() => {
    ready = true;
    onChange();
  });
  return {
    entries: () =>
      [...records.values()]
        .filter((pr) => pr.inCiQueue === true)
        .sort((a, b) => a.enteredAt - b.enteredAt || a.url.localeCompare(b.url))
        .map(toCiEntry),
    initialized,
    stop: () => watch.stop(),
  };
}
