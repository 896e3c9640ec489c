// A bridge's leases on a multi-host system (docs/scale-out.md#singleton-leases): one per chat
// provider it is configured for and can build here, `bridge-<provider>`, because the bridge for a
// given provider is the singleton, not the bridge. Each lease is tried on its own; the bridge is
// active once it holds one, serves the providers whose leases it holds, and keeps trying the
// others (every renewal period at most) until it stops, starting each provider as its lease is
// won. Losing any held lease is losing the lot: the host ends the process (the fence guards all).
import type { LeaseRole } from '../contracts/heartbeat.js';
import type { LeaseHandle, SingletonGuard, SingletonLeaseOptions } from '../actors/singletonLease.js';
import { SingletonLease } from '../actors/singletonLease.js';

export interface ProviderLease {
  provider: string;
  lease: LeaseHandle;
}

export type ProviderLeasesOptions = Omit<SingletonLeaseOptions, 'lease'>;

export class ProviderLeases implements SingletonGuard {
  private readonly singletons = new Map<string, SingletonLease>();
  private readonly handles = new Map<string, LeaseHandle>();
  /** Providers whose lease is ours, in the order won. */
  private readonly won: string[] = [];
  private readonly servers: Array<(provider: string) => void> = [];
  private readonly trying = new AbortController();
  private tries: Promise<unknown>[] = [];
  private onLost: ((reason: string) => void) | undefined;
  private readonly now: () => number;

  constructor(
    leases: readonly ProviderLease[],
    private readonly options: ProviderLeasesOptions,
  ) {
    this.now = options.now ?? Date.now;
    for (const { provider, lease } of leases) {
      this.handles.set(provider, lease);
      const logger = options.logger.child({ lease: provider });
      this.singletons.set(provider, new SingletonLease({ ...options, lease, logger }));
    }
  }

  get role(): LeaseRole {
    return this.won.length > 0 ? 'active' : 'standby';
  }

  get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.options.ttlMs / 3));
  }

  /** The providers this bridge serves: their leases are ours. */
  serving(): string[] {
    return [...this.won];
  }

  /** The providers it waits for, each with the holder its last try found (when it found one). */
  standby(): Record<string, { holder: string | null }> {
    const waiting = [...this.handles.keys()].filter((provider) => !this.won.includes(provider));
    const holder = (provider: string) => {
      const seen = this.handles.get(provider)?.lastSeen();
      return seen && seen.holder !== '' && seen.deadline > this.now() ? seen.holder : null;
    };
    return Object.fromEntries(waiting.map((provider) => [provider, { holder: holder(provider) }]));
  }

  holds(): boolean {
    return this.won.length > 0 && this.won.every((provider) => this.singletons.get(provider)!.holds());
  }

  /**
   * Tries every provider's lease at once; true at the first won, false when `stopped` aborts
   * before any is. The others go on trying after that, until release().
   */
  waitForLease(stopped: AbortSignal): Promise<boolean> {
    const stopTrying = () => this.trying.abort();
    stopped.addEventListener('abort', stopTrying, { once: true });
    return new Promise<boolean>((resolve) => {
      let lost = 0;
      this.tries = [...this.singletons].map(([provider, singleton]) =>
        singleton.waitForLease(this.trying.signal).then((won) => {
          if (!won) {
            if (++lost === this.singletons.size) resolve(false);
            return;
          }
          this.won.push(provider);
          if (this.onLost) singleton.keep(this.onLost);
          resolve(true);
          for (const serve of this.servers) serve(provider);
        }),
      );
      // No provider to lease (none it can build): standby until stopped, like a bridge whose every
      // lease is held elsewhere.
      if (this.singletons.size === 0) stopped.addEventListener('abort', () => resolve(false), { once: true });
    }).finally(() => stopped.removeEventListener('abort', stopTrying));
  }

  /** Renews every lease won, and each won later; `onLost` at the first one lost. */
  keep(onLost: (reason: string) => void): void {
    this.onLost = onLost;
    for (const provider of this.won) this.singletons.get(provider)!.keep(onLost);
  }

  /** Calls `serve` for each provider whose lease is ours now, and for each won from now on. */
  serve(serve: (provider: string) => void): void {
    this.servers.push(serve);
    for (const provider of this.won) serve(provider);
  }

  /** A clean stop: no more tries (a try under way finishes first), then every lease won is freed. */
  async release(): Promise<void> {
    this.trying.abort();
    await Promise.all(this.tries);
    await Promise.all([...this.singletons.values()].map((singleton) => singleton.release()));
  }
}
