// What the PR poller knows about one of roshi's own pull requests. Stored in KV <prefix>_state
// under `ci.<owner>/<repo>#<number>` (the CI queue) and rendered into the CI section of
// missions.md as `(attempt N/M)`.

/** Aggregated CI of the latest head commit (see ciStatus.ts for the rules). */
export type CiState = 'none' | 'pending' | 'success' | 'failure' | 'blocked_approval';

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
}

export const ciQueueKey = (repo: string, number: number): string => `ci.${repo}#${number}`;
