// The fence of an active singleton process (docs/scale-out.md#singleton-leases): every NATS
// publish or request its connection makes, and every HTTP request through fetch (Telegram,
// Slack, Matrix, GitHub), first asks whether the lease is still held. A process continued after
// a SIGSTOP past its deadline runs its due timers and I/O callbacks in no order we choose; the
// first of them to reach the outside finds the lease gone and ends the process there, before
// the request leaves. Child processes (git) are not fenced.
import type { Bus } from './bus.js';

export interface LeaseFence {
  /** Stops checking (a clean stop, right before the lease is released). */
  lift(): void;
}

/** Wraps `bus`'s connection and the global fetch; `breach` must end the process (it never returns). */
export function fenceOnLease(bus: Bus, holds: () => boolean, breach: (what: string) => never): LeaseFence {
  let lifted = false;
  const check = (what: string) => {
    if (!lifted && !holds()) breach(what);
  };
  const nc = bus.nc as unknown as Record<'publish' | 'request', (subject: string, ...rest: unknown[]) => unknown>;
  const publish = nc.publish.bind(nc);
  const request = nc.request.bind(nc);
  // Own properties shadow the prototype's: JetStream, KV and msg.respond all call these on nc.
  nc.publish = (subject, ...rest) => {
    check(`publish on ${subject}`);
    return publish(subject, ...rest);
  };
  nc.request = (subject, ...rest) => {
    check(`request on ${subject}`);
    return request(subject, ...rest);
  };
  const fetchBefore = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    check(
      `HTTP ${init?.method ?? 'GET'} ${input instanceof Request ? new URL(input.url).host : new URL(String(input)).host}`,
    );
    return fetchBefore(input, init);
  };
  return {
    lift: () => {
      lifted = true;
    },
  };
}
