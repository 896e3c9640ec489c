// How long a runner may go on with a mission whose lease it cannot renew (the bus is down, or
// this host is cut off from it). The missions actor elsewhere gives the mission to another runner
// once the lease's deadline passes, so past that deadline this runner must stop its agent: the
// two would otherwise both run and pay for it (docs/scale-out.md#work-on-any-host).

/**
 * How long before the lease's deadline a runner that cannot renew gives up: half a renewal
 * interval (a clock a little ahead on the host that expires leases), plus the agent's kill grace
 * (SIGTERM to SIGKILL) where the lease leaves room, so the agent is gone, not only signalled, by
 * the deadline. Never so much that a runner gives up before two renewals in a row have failed.
 */
export function leaseHoldMargin({
  leaseMs,
  renewMs,
  killGraceMs,
}: {
  leaseMs: number;
  renewMs: number;
  killGraceMs: number;
}): number {
  const tolerated = leaseMs - 2.5 * renewMs; // gives up after the second missed renewal, not sooner
  return Math.max(renewMs / 2, Math.min(renewMs / 2 + killGraceMs, tolerated));
}

/**
 * Keeps the deadline of the lease as last renewed and says when the runner must give up. It
 * gives up `margin` before the deadline, so a clock a little ahead on the host that expires
 * leases does not make two holders.
 */
export class LeaseHold {
  private until: number;

  constructor(
    until: number,
    private readonly marginMs: number,
  ) {
    this.until = until;
  }

  /** A renewal landed: the new deadline. */
  renewed(until: number): void {
    this.until = Math.max(this.until, until);
  }

  /** How long from `now` until the runner must have stopped, if no renewal lands before. */
  msLeft(now: number): number {
    return Math.max(0, this.until - this.marginMs - now);
  }

  /** Why the runner stops, in the words the mission record keeps. */
  reason(): string {
    return `the lease could not be renewed before its deadline (${new Date(this.until).toISOString()}); another runner may have the mission`;
  }
}
