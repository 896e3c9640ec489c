// Per-PR backoff of a follow-up that failed: a GitHub error about one PR (a GraphQL NOT_FOUND or
// FORBIDDEN, a REST 404/403) marks that PR's follow-up failed, and the next cycles skip it until
// its wait is over, doubling per failure in a row; the other PRs go on. In memory only: a restart
// simply tries every PR again. docs/github.md#one-poll
import { doublingBackoff } from '../../machines/backoff.js';

export interface FollowUpFailure {
  /** Failures in a row. */
  failures: number;
  /** When the follow-up may run again (ms since the epoch). */
  retryAt: number;
  error: string;
}

export class FollowUpBackoff {
  private readonly failed = new Map<string, FollowUpFailure>();

  constructor(private readonly bounds: { initialMs: number; maxMs: number }) {}

  /** Whether the PR's follow-up may run now (never failed, or its wait is over). */
  ready(key: string, now: number): boolean {
    const failure = this.failed.get(key);
    return failure === undefined || now >= failure.retryAt;
  }

  /** Records a failed follow-up; returns when it may run again. */
  fail(key: string, now: number, error: unknown): FollowUpFailure {
    const failures = (this.failed.get(key)?.failures ?? 0) + 1;
    const failure = {
      failures,
      retryAt: now + doublingBackoff(failures, this.bounds),
      error: error instanceof Error ? error.message : String(error),
    };
    this.failed.set(key, failure);
    return failure;
  }

  succeed(key: string): void {
    this.failed.delete(key);
  }

  /** After a follow-up: its failure recorded (and returned), or a success clearing the last one. */
  settle(key: string, now: number, failure: unknown): FollowUpFailure | undefined {
    if (failure === undefined) {
      this.succeed(key);
      return undefined;
    }
    return this.fail(key, now, failure);
  }

  /** The PRs whose follow-up is failing, for status. */
  failing(): ReadonlyMap<string, FollowUpFailure> {
    return this.failed;
  }
}
