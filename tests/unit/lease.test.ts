// The lease's rules on an in-memory compare-and-set store with a hand-moved clock: who may
// acquire when, renewals, release, losing it, and a write whose acknowledgement was lost.
// The same rules on a real 3-node cluster: tests/integration/lease.test.ts.
import { describe, expect, it } from 'vitest';
import { Lease, LeaseLost } from '../../src/bus/lease.js';
import { MemoryLeaseStore as MemoryStore } from '../harness/memoryLeaseStore.js';

function setup() {
  const store = new MemoryStore();
  let t = 1_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const lease = (holder: string) => new Lease({ store, key: 'missions', holder, ttlMs: 5_000, now: clock.now });
  return { store, clock, lease };
}

describe('Lease', () => {
  it('creates the key when absent; a second contender is refused until the deadline passes', async () => {
    const { store, clock, lease } = setup();
    const a = lease('host-a/missions');
    const b = lease('host-b/missions');
    expect(await a.acquire()).toBe(true);
    expect(store.record('missions')).toEqual({ holder: 'host-a/missions', deadline: 6_000, renewals: 0, since: 1_000 });
    expect(a.holds()).toBe(true);
    expect(await b.acquire()).toBe(false);
    clock.advance(4_999);
    expect(await b.acquire()).toBe(false);
    clock.advance(1);
    expect(a.holds()).toBe(false);
    expect(await b.acquire()).toBe(true);
    expect(b.deadline()).toBe(11_000);
  });

  it('renews by compare-and-set, counting renewals, and keeps holding', async () => {
    const { store, clock, lease } = setup();
    const a = lease('a');
    await a.acquire();
    for (let i = 1; i <= 3; i++) {
      clock.advance(2_000);
      await a.renew();
      expect(store.record('missions').renewals).toBe(i);
    }
    expect(a.deadline()).toBe(12_000);
    expect(store.record('missions').since).toBe(1_000);
  });

  it('fails the renew with LeaseLost once another holder took the expired lease', async () => {
    const { clock, lease } = setup();
    const a = lease('a');
    const b = lease('b');
    await a.acquire();
    clock.advance(6_000);
    expect(await b.acquire()).toBe(true);
    await expect(a.renew()).rejects.toBeInstanceOf(LeaseLost);
    expect(a.holds()).toBe(false);
    expect(b.holds()).toBe(true);
  });

  it('refuses renew without acquire', async () => {
    await expect(setup().lease('a').renew()).rejects.toBeInstanceOf(LeaseLost);
  });

  it('release frees the key at once for the next contender; a released holder cannot renew', async () => {
    const { lease } = setup();
    const a = lease('a');
    const b = lease('b');
    await a.acquire();
    await a.release();
    expect(a.holds()).toBe(false);
    expect(await b.acquire()).toBe(true);
    await expect(a.renew()).rejects.toBeInstanceOf(LeaseLost);
    await a.release(); // nothing held: nothing done
    expect(b.holds()).toBe(true);
  });

  it('only one of two contenders wins a race on an expired key', async () => {
    const { clock, lease } = setup();
    await lease('old').acquire();
    clock.advance(10_000);
    const [a, b] = [lease('a'), lease('b')];
    const won = await Promise.all([a.acquire(), b.acquire()]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(a.holds() !== b.holds()).toBe(true);
  });

  it('a renew whose acknowledgement was lost leaves the old deadline, and the next renew adopts the write', async () => {
    const { store, clock, lease } = setup();
    const a = lease('a');
    await a.acquire();
    clock.advance(2_000);
    store.loseNextAck = true;
    await expect(a.renew()).rejects.toThrow('TIMEOUT');
    expect(store.record('missions').deadline).toBe(8_000); // applied on the server
    expect(a.deadline()).toBe(6_000); // not known to us: we count on the old one
    clock.advance(1_000);
    await a.renew();
    expect(a.deadline()).toBe(9_000);
    expect(store.record('missions')).toMatchObject({ holder: 'a', deadline: 9_000, renewals: 2 });
  });

  it('a holder is not holding past its deadline, even before anyone takes over', async () => {
    const { clock, lease } = setup();
    const a = lease('a');
    await a.acquire();
    clock.advance(5_000);
    expect(a.holds()).toBe(false);
    expect(a.deadline()).toBeUndefined();
  });
});
