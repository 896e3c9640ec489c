// A bridge's lease per chat provider (src/bridge/providerLeases.ts) with a hand-moved clock over
// in-memory compare-and-set stores, one per provider: two bridges with different providers are
// both active, each serving the providers it won; the one in standby for a provider names its
// holder and takes it over after the holder's deadline; holds() covers every lease served with;
// a release frees them all. With real processes: tests/integration/bridgeProviderLeases.test.ts.
import { describe, expect, it } from 'vitest';
import { Lease, type LeaseRecord } from '../../src/bus/lease.js';
import { ProviderLeases } from '../../src/bridge/providerLeases.js';
import { silentLogger } from '../../src/log.js';
import { handClock } from '../harness/handClock.js';
import { MemoryLeaseStore } from '../harness/memoryLeaseStore.js';

const TTL = 3_000;

function world() {
  const clock = handClock();
  const stores = new Map<string, MemoryLeaseStore>();
  const storeOf = (provider: string) => {
    if (!stores.has(provider)) stores.set(provider, new MemoryLeaseStore());
    return stores.get(provider)!;
  };
  const bridge = (holder: string, providers: string[]) => {
    const leases = providers.map((provider) => ({
      provider,
      lease: new Lease({ store: storeOf(provider), key: 'holder', holder, ttlMs: TTL, now: clock.now }),
    }));
    return new ProviderLeases(leases, { ttlMs: TTL, logger: silentLogger(), now: clock.now, timers: clock.timers });
  };
  return { clock, storeOf, bridge };
}

describe('ProviderLeases', () => {
  it('makes two bridges with different providers both active, each serving what it won', async () => {
    const { clock, bridge } = world();
    const never = new AbortController().signal;
    const h2 = bridge('h2-bridge/200', ['console']);
    expect(await h2.waitForLease(never)).toBe(true);
    h2.keep(() => expect.fail('h2 keeps its lease'));
    const h1 = bridge('h1-bridge/100', ['console', 'telegram']);
    expect(await h1.waitForLease(never)).toBe(true);
    h1.keep(() => expect.fail('h1 keeps its lease'));
    for (let i = 0; i < 5; i++) await clock.advance(TTL);
    expect([h1.role, h1.serving(), h1.standby()]).toEqual([
      'active',
      ['telegram'],
      { console: { holder: 'h2-bridge/200' } },
    ]);
    expect([h2.role, h2.serving(), h2.standby()]).toEqual(['active', ['console'], {}]);
    expect(h1.holds() && h2.holds()).toBe(true);
  });

  it('takes a provider over after its holder stops renewing, and serves it then', async () => {
    const { clock, storeOf, bridge } = world();
    const never = new AbortController().signal;
    const h2 = bridge('h2-bridge/200', ['console']);
    await h2.waitForLease(never); // then h2 dies: it never renews
    const deadline = storeOf('console').record('holder').deadline;
    const h1 = bridge('h1-bridge/100', ['console', 'telegram']);
    await h1.waitForLease(never);
    h1.keep(() => expect.fail('h1 keeps its leases'));
    const served: Array<{ provider: string; at: number }> = [];
    h1.serve((provider) => served.push({ provider, at: clock.now() }));
    expect(served.map((s) => s.provider)).toEqual(['telegram']);
    await clock.advance(deadline - clock.now() - 1);
    expect(served).toHaveLength(1);
    await clock.advance(TTL);
    expect(served[1]?.provider).toBe('console');
    expect(served[1]!.at).toBeGreaterThanOrEqual(deadline); // free from its deadline on
    expect(served[1]!.at - deadline).toBeLessThanOrEqual(TTL / 3);
    expect([h1.serving(), h1.standby(), h1.holds()]).toEqual([['telegram', 'console'], {}, true]);
  });

  it('stays in standby while every lease is held elsewhere, and stops trying when told to', async () => {
    const { clock, bridge } = world();
    const h2 = bridge('h2-bridge/200', ['console']);
    await h2.waitForLease(new AbortController().signal);
    h2.keep(() => expect.fail('h2 keeps its lease'));
    const h1 = bridge('h1-bridge/100', ['console']);
    const stop = new AbortController();
    let ended: boolean | undefined;
    const waiting = h1.waitForLease(stop.signal).then((won) => (ended = won));
    for (let i = 0; i < 5; i++) await clock.advance(TTL);
    expect([ended, h1.role, h1.standby()]).toEqual([undefined, 'standby', { console: { holder: 'h2-bridge/200' } }]);
    stop.abort();
    expect(await waiting).toBe(false);
    expect([h1.role, h1.holds(), h1.serving()]).toEqual(['standby', false, []]);
  });

  it('holds() only while every lease it serves with is held: one gone is enough to stop', async () => {
    const { clock, storeOf, bridge } = world();
    const h1 = bridge('h1-bridge/100', ['console', 'telegram']);
    await h1.waitForLease(new AbortController().signal);
    await clock.advance(0); // the second try settles
    expect(h1.serving().sort()).toEqual(['console', 'telegram']);
    const lost: string[] = [];
    h1.keep((reason) => lost.push(reason));
    expect(h1.holds()).toBe(true);
    // Another holder takes telegram's key behind h1's back: the next renewal finds out.
    const store = storeOf('telegram');
    const entry = (await store.get<LeaseRecord>('holder'))!;
    await store.update('holder', { ...entry.value, holder: 'h3-bridge/300' }, entry.revision);
    await clock.advance(TTL / 3);
    expect(lost).toHaveLength(1);
    expect(h1.holds()).toBe(false);
  });

  it('frees every lease it won on release, so a standby elsewhere takes them at once', async () => {
    const { clock, storeOf, bridge } = world();
    const h1 = bridge('h1-bridge/100', ['console', 'telegram']);
    await h1.waitForLease(new AbortController().signal);
    await clock.advance(0);
    h1.keep(() => undefined);
    await h1.release();
    expect(storeOf('console').record('holder').deadline).toBe(0);
    expect(storeOf('telegram').record('holder').deadline).toBe(0);
    expect(h1.holds()).toBe(false);
  });
});
