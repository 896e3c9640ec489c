// The PR poller's settings, ports and results, and the context its per-PR steps share.
// docs/github.md#one-poll
import { GitHubError, type GitHubClient } from '../adapters/github/index.js';
import type { Logger } from '../log.js';
import type { TrackedPrStore } from './ciQueueStore.js';
import type { Authorizer } from './permissions.js';
import type { LeaveReason, TrackedPr } from './types.js';

/** Mission intake as the poller needs it (roshi.missions.add over the bus, in the actor). */
export interface MissionIntake {
  /** The new mission's id, or 'duplicate' when the store refused it as one (treated as fine). */
  add(input: { text: string; project: string; context: string }): Promise<{ id: string } | 'duplicate'>;
}

/** What the poller publishes on <prefix>.pr.events. */
export type PrEvent =
  | { type: 'ci'; repo: string; number: number; url: string; sha: string; state: TrackedPr['ci']; at: number }
  | { type: 'left'; repo: string; number: number; url: string; reason: LeaveReason; at: number }
  | { type: 'entered'; repo: string; number: number; url: string; at: number }
  | { type: 'mission'; repo: string; number: number; url: string; kind: 'ci_check' | 'fix'; id: string; at: number };

export interface PollerSettings {
  /** prPoller.repos, owner/name. */
  repos: readonly string[];
  /** git.branchPrefix */
  branchPrefix: string;
  /** prPoller.ownForks: head repositories besides the PR's own whose prefixed branches are roshi's. */
  ownForks?: readonly string[];
  /** prPoller.botLogin; '' asks GitHub for the token's login. */
  botLogin: string;
  /** ci.maxAttempts */
  maxAttempts: number;
  /** ci.logTailLines */
  logTailLines: number;
  /** After a roshi mission on a PR ends, how long a still-red old head is left alone. */
  settleMs: number;
  /** The project missions on a repository belong to, when no mission said so. */
  projectFor: (repo: string) => string | undefined;
  /** Pages fetched per listing (100 each) before it counts as truncated; default 3. */
  maxPages?: number;
  /** Failing jobs whose logs are fetched per /ci_check; default 5. */
  maxLogs?: number;
  /** First wait of a PR whose follow-up failed (doubling per failure in a row); default 1 min. */
  followUpBackoffMs?: number;
  /** Longest such wait; default 30 min. */
  followUpBackoffMaxMs?: number;
}

export interface PollerPorts {
  github: GitHubClient;
  /** Who may give review feedback (the same lookup mentions use). */
  authorizer: Authorizer;
  store: TrackedPrStore;
  missions: MissionIntake;
  /** Durable notification to the operator (the outbox); `id` de-duplicates. */
  notify: (text: string, id: string) => Promise<void>;
  /** Fire-and-forget event for listeners (roshi.pr.events). */
  publish?: (event: PrEvent) => void;
  logger: Logger;
  clock?: () => number;
}

export interface CycleResult {
  /** A PR in the CI queue waits for CI: poll at the fast cadence. */
  fast: boolean;
  tracked: number;
  inQueue: number;
  durationMs: number;
}

/** Ends a cycle: GitHub is down, rate-limited, or refuses the token. */
export function isCycleFatal(error: unknown): error is GitHubError {
  return error instanceof GitHubError && (error.outage || error.rateLimited || error.status === 401);
}

/**
 * Runs one GitHub read: an error about this item is logged, handed to `skipped` and gives
 * undefined; an outage or rate limit ends the cycle.
 */
export async function readOrSkip<T>(
  logger: Logger,
  what: string,
  fn: () => Promise<T>,
  skipped?: (error: unknown) => void,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (isCycleFatal(error) || (error as Error).name === 'AbortError') throw error;
    logger.warn({ err: error, what }, 'GitHub read failed; going on with the rest');
    skipped?.(error);
    return undefined;
  }
}

/** What followCi and followReviews get from the Poller that runs them. */
export interface PrStep {
  settings: PollerSettings;
  ports: PollerPorts;
  clock: () => number;
  /** Runs one GitHub read: an error about this item gives undefined; an outage or rate limit ends the cycle. */
  guard<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
}
