// How many messages one chat user may send in a sliding window (bridge.maxPerMinute): a
// runaway script or a leaked account must not flood the agent with work. Past the limit the
// user gets one "slow down" reply per window, then silence until older messages leave the
// window. Pure: the clock is given, nothing here sets a timer.

export type RateDecision = 'allow' | 'warn' | 'drop';

interface UserWindow {
  /** Times of the accepted messages still inside the window, oldest first. */
  times: number[];
  /** When the last "slow down" was sent; one per window. */
  warnedAt?: number;
}

/** Users tracked before idle ones are swept out (memory stays bounded by active users). */
const SWEEP_ABOVE = 1_000;

export class RateLimiter {
  private readonly users = new Map<string, UserWindow>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts one message from `user` if it fits: allow; else warn (the first refusal in a window) or drop. */
  take(user: string): RateDecision {
    const now = this.now();
    const since = now - this.windowMs;
    let window = this.users.get(user);
    if (!window) {
      if (this.users.size >= SWEEP_ABOVE) this.sweep(since);
      window = { times: [] };
      this.users.set(user, window);
    }
    while (window.times.length > 0 && (window.times[0] as number) <= since) window.times.shift();
    if (window.times.length < this.limit) {
      window.times.push(now);
      return 'allow';
    }
    if (window.warnedAt !== undefined && window.warnedAt > since) return 'drop';
    window.warnedAt = now;
    return 'warn';
  }

  /** Users tracked now (for status and tests). */
  get size(): number {
    return this.users.size;
  }

  private sweep(since: number): void {
    for (const [user, window] of this.users) {
      const last = window.times[window.times.length - 1];
      if ((last === undefined || last <= since) && (window.warnedAt === undefined || window.warnedAt <= since))
        this.users.delete(user);
    }
  }
}
