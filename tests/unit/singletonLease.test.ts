// The standby/active rules of a singleton (src/actors/singletonLease.ts) with a hand-moved clock
// and hand-run timers over an in-memory compare-and-set store: one of two is active, the standby
// takes over just after the holder's deadline, a lost lease is reported once and stops renewals,
// a release hands over at once. With real processes: tests/integration/singletonFailover.test.ts.
import { describe, expect, it } from 'vitest';
import { Lease } from '../../src/bus/lease.js';
import { SingletonLease } from '../../src/actors/singletonLease.js';
import { singletonLeaseNames } from '../../src/contracts/singletons.js';
import { silentLogger } from '../../src/log.js';
import { toHeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { handClock } from '../harness/handClock.js';
import { MemoryLeaseStore } from '../harness/memoryLeaseStore.js';

const TTL = 3_000;

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

describe('singletonLeaseNames', () => {
  it('names the kind for singletons on a multi-host system, nothing on a single host or for other kinds', () => {
    expect(singletonLeaseNames('h1-missions')).toEqual(['missions']);
    expect(singletonLeaseNames('h2-pr-poller')).toEqual(['pr-poller']);
    expect(singletonLeaseNames('h2-webhook')).toEqual(['webhook']);
    expect(singletonLeaseNames('missions')).toEqual([]); // a single host's plain name
    expect(singletonLeaseNames('bridge')).toEqual([]);
    expect(singletonLeaseNames('h1-chat')).toEqual([]);
    expect(singletonLeaseNames('h1-web')).toEqual([]);
    expect(singletonLeaseNames('h1-runner-2')).toEqual([]);
  });

  it('gives a bridge one lease per chat provider: the bridge for a given provider is the singleton', () => {
    expect(singletonLeaseNames('h2-bridge', ['console', 'telegram'])).toEqual(['bridge-console', 'bridge-telegram']);
    expect(singletonLeaseNames('h2-bridge')).toEqual([
      'bridge-console',
      'bridge-telegram',
      'bridge-slack',
      'bridge-matrix',
      'bridge-discord',
    ]);
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
