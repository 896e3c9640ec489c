// A request to a singleton (the missions actor) during its fail-over reaches nobody for a moment:
// the old holder is gone and the standby has not taken the lease yet (docs/scale-out.md#singleton-leases).
// A request nobody received did nothing, so asking again is safe; a timeout or a refusal is not retried.
import { NoResponderError } from '../errors.js';
import { sleep } from '../time/sleep.js';

/** How often a request that reached nobody is sent again while waiting out a fail-over. */
export const FAILOVER_RETRY_MS = 250;

export interface ThroughFailoverOptions {
  /** How long "nobody is listening" is waited out; 0 answers it at once. */
  waitMs: number;
  /** Called once, at the first miss, so a person knows why the answer is slow. */
  onWait?: (waitMs: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** `ask()`, asked again every FAILOVER_RETRY_MS while it reaches nobody and `waitMs` has not passed. */
export async function requestThroughFailover<T>(ask: () => Promise<T>, options: ThroughFailoverOptions): Promise<T> {
  const { now = Date.now, sleep: wait = sleep } = options;
  const deadline = now() + options.waitMs;
  for (let misses = 0; ; misses++) {
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof NoResponderError) || now() + FAILOVER_RETRY_MS > deadline) throw error;
      if (misses === 0) options.onWait?.(options.waitMs);
      await wait(FAILOVER_RETRY_MS);
    }
  }
}

/**
 * How long a client waits out a singleton's fail-over: with host.id set a standby takes the
 * lease within about one ttl of the holder's death and starts, so 2 × ttl; one host has no standby.
 */
export function failoverWaitMs(config: { host: { id: string }; supervision: { leaseTtl: number } }): number {
  return config.host.id === '' ? 0 : 2 * config.supervision.leaseTtl;
}
