// A singleton actor's lease rules (docs/scale-out.md#singleton-leases): standby until the kind's
// lease is ours, then renew it every third of the ttl and check it at its deadline; the first
// sign it is gone (renew says LeaseLost, or the deadline passed unrenewed) is reported once, and
// the host stops the process at once. Clock and timers are injected, so the rules are tested with
// a hand-moved clock (tests/unit/singletonLease.test.ts).
import type { LeaseRole } from '../contracts/heartbeat.js';
import { LeaseLost, type Lease } from '../bus/lease.js';
import type { Logger } from '../log.js';

/** Exit code of a singleton that lost its lease: EX_TEMPFAIL, the supervisor restarts it in standby. */
export const LEASE_LOST_EXIT_CODE = 75;

/** A standby tries again this long after the holder's deadline it saw, so its clock has passed it. */
const TAKEOVER_SLACK_MS = 25;

export type LeaseHandle = Pick<Lease, 'acquire' | 'renew' | 'release' | 'holds' | 'deadline' | 'lastSeen' | 'holder'>;

export interface Timers {
  set: (run: () => void, ms: number) => unknown;
  clear: (handle: unknown) => void;
}

export interface SingletonLeaseOptions {
  lease: LeaseHandle;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
  timers?: Timers;
}

const REAL_TIMERS: Timers = {
  set: (run, ms) => setTimeout(run, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** What the actor host needs of a singleton's lease, or of a bridge's set of them (src/bridge/providerLeases.ts). */
export interface SingletonGuard {
  readonly role: LeaseRole;
  readonly renewEveryMs: number;
  /** Every lease the process works with is still held: the guarded work may act. */
  holds(): boolean;
  /** Resolves true once the process may work, false when `stopped` aborted first. */
  waitForLease(stopped: AbortSignal): Promise<boolean>;
  keep(onLost: (reason: string) => void): void;
  release(): Promise<void>;
}

export class SingletonLease implements SingletonGuard {
  #role: LeaseRole = 'standby';
  private readonly now: () => number;
  private readonly timers: Timers;
  private timer: unknown;
  private ended = false;

  constructor(private readonly options: SingletonLeaseOptions) {
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? REAL_TIMERS;
  }

  get role(): LeaseRole {
    return this.#role;
  }

  get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.options.ttlMs / 3));
  }

  /** Active and still inside the deadline of our last acknowledged write: the guarded work may act. */
  holds(): boolean {
    return this.#role === 'active' && this.options.lease.holds();
  }

  /**
   * Tries to acquire until it succeeds (true) or `stopped` aborts (false). Between tries it waits
   * until just past the deadline it saw, at most a renewal period, so a dead holder is replaced
   * within about one ttl of its last renewal.
   */
  async waitForLease(stopped: AbortSignal): Promise<boolean> {
    const { lease, logger } = this.options;
    while (!stopped.aborted) {
      try {
        if (await lease.acquire()) {
          this.#role = 'active';
          logger.info({ holder: lease.holder, deadline: lease.deadline() }, 'lease acquired: active');
          return true;
        }
      } catch (error) {
        logger.warn({ err: error }, 'lease acquire failed; trying again');
      }
      await this.pause(this.standbyWaitMs(), stopped);
    }
    return false;
  }

  /** How long a standby waits before its next try. */
  standbyWaitMs(): number {
    const seen = this.options.lease.lastSeen();
    const left = seen ? seen.deadline - this.now() : 0;
    return left > 0 ? Math.min(left + TAKEOVER_SLACK_MS, this.renewEveryMs) : this.renewEveryMs;
  }

  /** Renews until the lease is lost, then calls `onLost` once (never after release). */
  keep(onLost: (reason: string) => void): void {
    const lost = (reason: string) => {
      if (this.ended) return;
      this.end();
      onLost(reason);
    };
    const tick = async () => {
      this.timer = undefined;
      if (this.ended) return;
      if (!this.options.lease.holds()) return lost('the lease deadline passed without a renewal');
      try {
        await this.options.lease.renew();
      } catch (error) {
        if (error instanceof LeaseLost) return lost(error.message);
        // The bus is down or electing: we hold until the deadline we have; check again by then.
        this.options.logger.warn({ err: error }, 'lease renew failed; holding until its deadline');
      }
      if (!this.ended) this.schedule(tick);
    };
    this.schedule(tick);
  }

  /** A clean stop: no more renewals, and the lease is freed so a standby takes over at once. */
  async release(): Promise<void> {
    const wasActive = this.#role === 'active' && !this.ended;
    this.end();
    if (wasActive) await this.options.lease.release();
  }

  private end(): void {
    this.ended = true;
    this.#role = 'standby';
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** Next tick at the next renewal, or at our deadline when that comes first (a failed renew). */
  private schedule(tick: () => Promise<void>): void {
    const deadline = this.options.lease.deadline();
    const untilDeadline = deadline === undefined ? 0 : deadline - this.now();
    this.timer = this.timers.set(() => void tick(), Math.max(0, Math.min(this.renewEveryMs, untilDeadline)));
  }

  private pause(ms: number, stopped: AbortSignal): Promise<void> {
    // Aborted during the try that just ended: its abort event has fired already.
    if (stopped.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.timers.clear(handle);
        stopped.removeEventListener('abort', done);
        resolve();
      };
      const handle = this.timers.set(done, ms);
      stopped.addEventListener('abort', done, { once: true });
    });
  }
}
