// What the PR poller knows about one of roshi's own pull requests. Stored in KV <prefix>_state
// under `ci.<owner>/<repo>/<number>` (see ciQueueKey) for every own PR the poller follows; the
// ones with `inCiQueue` form the CI queue, rendered into the CI section of missions.md as
// `(attempt N/M)`. A PR that left the queue (green, budget spent, waiting for approval) is still
// followed for review feedback and auto-merge until it is closed or merged.

/** Aggregated CI of the latest head commit (see ciStatus.ts for the rules). */
export type CiState = 'none' | 'pending' | 'success' | 'failure' | 'blocked_approval';

/** The approval the PR's last push asks for: which mission, and where it stands (mergeApproval.ts). */
export interface MergeApproval {
  mission: string;
  state: 'pending' | 'approved' | 'rejected';
  by?: string;
}

export interface FailingJob {
  name: string;
  /** Web URL of the run or status, for the operator and the agent. */
  url?: string;
  /** The last lines of the job's log, when GitHub has one. */
  logTail?: string;
}

export interface TrackedPr {
  /** owner/name */
  repo: string;
  number: number;
  /** html_url */
  url: string;
  project: string;
  branch: string;
  /** head.repo.full_name as last seen ('' when the head repository was deleted); ownership.ts. */
  headRepo?: string;
  headSha: string;
  state: 'open' | 'closed' | 'merged';
  ci: CiState;
  failing: FailingJob[];
  /** /ci_check missions queued for this PR since it entered the queue (reset on a new push by someone else). */
  attempts: number;
  maxAttempts: number;
  unresolvedThreads: number;
  /** When CI turned (and stayed) green with no unresolved feedback; auto-merge counts from here. */
  greenSince?: number;
  /** Fingerprints of review feedback already turned into missions. */
  handledFeedback: string[];
  enteredAt: number;
  updatedAt: number;
  /** In the CI queue: roshi pushed and waits for CI's verdict. Absent means false. */
  inCiQueue?: boolean;
  /** Consecutive polls that found no CI at all on the head commit (10 → the PR leaves the queue). */
  emptyPolls?: number;
  /** The push that last put the PR in the queue (missionEvents.ts pushId): handed over again, it is no new push. */
  enteredBy?: string;
  /** Last time a roshi mission on this PR was claimed or ended: a new head SHA after it is roshi's own push. */
  ownActivityAt?: number;
  /** When the current head SHA was first seen. */
  shaSeenAt?: number;
  /** The PR's updated_at when its review feedback was last read (unchanged → not read again). */
  reviewsSeen?: string;
  /** The listing was truncated (pagination): CI is not known to be green even when all seen is. */
  ciTruncated?: boolean;
  /** approval: merge of the mission that last pushed: auto-merge waits for /approve (mergeApproval.ts). */
  mergeApproval?: MergeApproval;
}

/** KV keys allow only [-/=.\w]: the repository's dots are escaped as `=2E` so names cannot collide. */
export const ciQueueKey = (repo: string, number: number): string => `ci.${repo.replace(/\./g, '=2E')}/${number}`;

/** Prefix of every key ciQueueKey makes, for watches and listings. */
export const CI_QUEUE_KEYS = 'ci.>';

/** Polls in a row without any CI before a PR leaves the CI queue (reconciler lesson: 10). */
export const MAX_EMPTY_POLLS = 10;

/** Why a PR left the CI queue. */
export type LeaveReason = 'success' | 'blocked_approval' | 'budget' | 'no_ci' | 'closed' | 'merged';
