// The standby/active rules of a singleton (src/actors/singletonLease.ts) with a hand-moved clock
// and hand-run timers over an in-memory compare-and-set store: one of two is active, the standby
// takes over just after the holder's deadline, a lost lease is reported once and stops renewals,
// a release hands over at once. With real processes: tests/integration/singletonFailover.test.ts.
import { describe, expect, it } from 'vitest';
import { Lease } from '../../src/bus/lease.js';
import { SingletonLease, type Timers } from '../../src/actors/singletonLease.js';
import { singletonLeaseName } from '../../src/contracts/singletons.js';
import { silentLogger } from '../../src/log.js';
import { toHeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { MemoryLeaseStore } from '../harness/memoryLeaseStore.js';

const TTL = 3_000;

/** A clock and a timer queue moved only by the test. */
function handClock() {
  let t = 10_000;
  let nextId = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: Timers = {
    set: (run, ms) => {
      due.set(++nextId, { at: t + ms, run });
      return nextId;
    },
    clear: (handle) => void due.delete(handle as number),
  };
  /** Moves the clock by `ms`, running each timer that falls due, in order, letting its promises settle. */
  const advance = async (ms: number) => {
    const end = t + ms;
    for (;;) {
      const next = [...due.entries()].filter(([, d]) => d.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      due.delete(next[0]);
      t = next[1].at;
      next[1].run();
      await settle();
    }
    t = end;
    await settle();
  };
  return { now: () => t, timers, advance, pending: () => due.size };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function contenders() {
  const store = new MemoryLeaseStore();
  const clock = handClock();
  const make = (holder: string) => {
    const lease = new Lease({ store, key: 'holder', holder, ttlMs: TTL, now: clock.now });
    return new SingletonLease({ lease, ttlMs: TTL, logger: silentLogger(), now: clock.now, timers: clock.timers });
  };
  return { store, clock, a: make('h1-bridge/100'), b: make('h2-bridge/200') };
}

describe('SingletonLease', () => {
  it('makes one of two contenders active; the other stays standby while the holder renews', async () => {
    const { clock, a, b } = contenders();
    const never = new AbortController().signal;
    expect(await a.waitForLease(never)).toBe(true);
    a.keep(() => expect.fail('a keeps renewing'));
    let bActive = false;
    void b.waitForLease(never).then((won) => (bActive = won));
    for (let i = 0; i < 10; i++) await clock.advance(TTL);
    expect([a.role, a.holds(), b.role, bActive]).toEqual(['active', true, 'standby', false]);
  });

  it('takes over just after the deadline of a holder that stopped renewing, not before', async () => {
    const { store, clock, a, b } = contenders();
    const never = new AbortController().signal;
    await a.waitForLease(never); // a then dies: it never renews
    const deadline = store.record('holder').deadline;
    let activeAt: number | undefined;
    void b.waitForLease(never).then(() => (activeAt = clock.now()));
    await clock.advance(deadline - clock.now() - 1);
    expect(activeAt).toBeUndefined();
    await clock.advance(TTL);
    expect(activeAt).toBeGreaterThan(deadline);
    // Within the slack of a standby's retry: far inside the 2 × ttl target.
    expect(activeAt! - deadline).toBeLessThanOrEqual(100);
    expect(b.role).toBe('active');
  });

  it('reports a lost lease once, when the deadline passes unrenewed (a frozen holder), and stops renewing', async () => {
    const { store, clock, a, b } = contenders();
    const never = new AbortController().signal;
    await a.waitForLease(never);
    const reasons: string[] = [];
    // a is frozen (as by SIGSTOP) past its deadline without a renewal; b takes the key.
    const deadline = store.record('holder').deadline;
    await clock.advance(deadline - clock.now() + 1);
    expect(await b.waitForLease(never)).toBe(true);
    expect(a.holds()).toBe(false);
    // a is continued: its first tick finds the lease gone.
    a.keep((reason) => reasons.push(reason));
    await clock.advance(TTL);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(/deadline passed/);
    expect(a.role).toBe('standby');
    expect(store.record('holder').holder).toBe('h2-bridge/200');
  });

  it('reports LeaseLost from a renew when another holder wrote the key', async () => {
    const { store, clock, a } = contenders();
    const never = new AbortController().signal;
    await a.waitForLease(never);
    const reasons: string[] = [];
    a.keep((reason) => reasons.push(reason));
    const { revision } = (await store.get('holder'))!;
    await store.update('holder', { holder: 'intruder', deadline: clock.now() + TTL, renewals: 0, since: 0 }, revision);
    await clock.advance(TTL);
    expect(reasons).toEqual([expect.stringMatching(/held by intruder/)]);
    expect(clock.pending()).toBe(0); // no renewals after the loss
  });

  it('hands over at once on release, and never reports a loss after it', async () => {
    const { store, clock, a, b } = contenders();
    const never = new AbortController().signal;
    await a.waitForLease(never);
    a.keep(() => expect.fail('a released cleanly'));
    await a.release();
    expect(store.record('holder').deadline).toBe(0);
    expect(await b.waitForLease(never)).toBe(true);
    await clock.advance(3 * TTL);
    expect(a.role).toBe('standby');
  });

  it('stops waiting when aborted, without the lease', async () => {
    const { clock, a, b } = contenders();
    const never = new AbortController().signal;
    await a.waitForLease(never);
    const stop = new AbortController();
    const waiting = b.waitForLease(stop.signal);
    await clock.advance(TTL / 2);
    stop.abort();
    expect(await waiting).toBe(false);
  });
});

describe('singletonLeaseName', () => {
  it('names the kind for singletons on a multi-host system, nothing on a single host or for other kinds', () => {
    expect(singletonLeaseName('h1-missions')).toBe('missions');
    expect(singletonLeaseName('h2-pr-poller')).toBe('pr-poller');
    expect(singletonLeaseName('h2-bridge')).toBe('bridge');
    expect(singletonLeaseName('h2-webhook')).toBe('webhook');
    expect(singletonLeaseName('missions')).toBeUndefined(); // a single host's plain name
    expect(singletonLeaseName('h1-chat')).toBeUndefined();
    expect(singletonLeaseName('h1-web')).toBeUndefined();
    expect(singletonLeaseName('h1-runner-2')).toBeUndefined();
  });
});

describe('the heartbeat lease field', () => {
  const beat = (lease: unknown) => toHeartbeatRecord({ actor: 'h1-bridge', pid: 1, bootId: 'b', lease }, 5);
  it('keeps standby and active, and drops anything else (other actors send none)', () => {
    expect(beat('standby')?.lease).toBe('standby');
    expect(beat('active')?.lease).toBe('active');
    expect(beat('leader')).not.toHaveProperty('lease');
    expect(beat(undefined)).not.toHaveProperty('lease');
  });
});
