// The lease on a real 3-node cluster: two contenders racing never hold it at once; a holder
// frozen with SIGSTOP is taken over after its deadline and its next renew fails; a node killed
// during renewals does not make two holders. Needs the build (the frozen holder runs dist/).
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Lease, type LeaseRecord } from '../../src/bus/lease.js';
import { LeaseBucket } from '../../src/bus/leaseBucket.js';
import { sleep } from '../../src/time/sleep.js';
import { useNatsCluster } from '../harness/natsCluster.js';
import { until } from '../harness/until.js';

const fixture = useNatsCluster();
const holderScript = fileURLToPath(new URL('../harness/leaseHolder.mjs', import.meta.url));

async function contender(name: string, lease: string, ttlMs: number) {
  const bus = await fixture.cluster.connect(name, { replicas: 3 });
  const kv = await LeaseBucket.open(bus, lease);
  return { kv, lease: new Lease({ store: kv, key: 'singleton', holder: name, ttlMs }) };
}

describe('Lease on a 3-node cluster', () => {
  it('two contenders race 100 times: never both hold, and every round has a winner', async () => {
    const a = (await contender('a', 'race', 10_000)).lease;
    const b = (await contender('b', 'race', 10_000)).lease;
    const wins = { a: 0, b: 0 };
    let lostRaces = 0;
    for (let round = 0; round < 100; round++) {
      // A read served by a replica a write behind makes both lose a race (compare-and-set
      // refuses the stale revision): they race again, as a real contender would.
      let winner: Lease | undefined;
      while (!winner) {
        const [gotA, gotB] = await Promise.all([a.acquire(), b.acquire()]);
        expect(gotA && gotB).toBe(false);
        expect(a.holds() && b.holds()).toBe(false);
        winner = gotA ? a : gotB ? b : undefined;
        if (!winner) lostRaces++;
        expect(lostRaces).toBeLessThan(100);
      }
      wins[winner === a ? 'a' : 'b']++;
      await winner.release();
    }
    expect(wins.a + wins.b).toBe(100);
  });

  it('a SIGSTOPped holder is taken over after its deadline, and its next renew fails', async () => {
    const { cluster } = fixture;
    const ttlMs = 3_000;
    const holder = execa(process.execPath, [holderScript], {
      reject: false,
      env: {
        LEASE_URL: cluster.url,
        ...Object.fromEntries(
          Object.entries(cluster.credentialOf('operator')).map(([k, v]) => [`LEASE_${k.toUpperCase()}`, v]),
        ),
        LEASE_NAME: 'frozen',
        LEASE_KEY: 'singleton',
        LEASE_HOLDER: 'frozen-holder',
        LEASE_TTL_MS: String(ttlMs),
        LEASE_RENEW_MS: '300',
      },
      buffer: false,
    });
    let output = '';
    holder.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const events = () =>
      output
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; at: number });
    try {
      await until(() => events().some((e) => e.event === 'renewed'), 'the holder renewing', { timeoutMs: 20_000 });
      const { kv, lease } = await contender('taker', 'frozen', ttlMs);
      expect(await lease.acquire()).toBe(false);
      holder.kill('SIGSTOP');
      const frozen = (await kv.get<LeaseRecord>('singleton'))!.value;
      expect(frozen.holder).toBe('frozen-holder');
      await until(() => lease.acquire(), 'the takeover', { timeoutMs: 20_000, intervalMs: 100 });
      const taken = (await kv.get<LeaseRecord>('singleton'))!.value;
      expect(taken.holder).toBe('taker');
      expect(taken.since).toBeGreaterThanOrEqual(frozen.deadline);

      holder.kill('SIGCONT');
      await until(() => events().some((e) => e.event === 'lost'), "the old holder's renew failing", {
        timeoutMs: 20_000,
        detail: () => output,
      });
      expect(events().filter((e) => e.event === 'renewed' && e.at >= taken.since)).toEqual([]);
      expect((await kv.get<LeaseRecord>('singleton'))!.value.holder).toBe('taker');
      expect(lease.holds()).toBe(true);
    } finally {
      holder.kill('SIGCONT');
      holder.kill('SIGKILL');
      await holder;
    }
  });

  it('a node killed during renewals does not make two holders', async () => {
    const { cluster } = fixture;
    const a = await contender('renewer', 'through-kill', 6_000);
    const b = await contender('waiter', 'through-kill', 6_000);
    expect(await a.lease.acquire()).toBe(true);
    let running = true;
    let both = 0;
    let renewedAfterKill = 0;
    let killed = false;
    const renewing = (async () => {
      while (running) {
        await sleep(300);
        if (!a.lease.holds() && !(await a.lease.acquire().catch(() => false))) continue;
        await a.lease.renew().then(
          () => killed && renewedAfterKill++,
          () => undefined,
        );
      }
    })();
    // After the kill the lease may pass to the waiter (the renewer's renewals can stall past the
    // lease during the election on a loaded machine): either holder renewing counts as going on.
    const waiting = (async () => {
      while (running) {
        await sleep(100);
        if (!b.lease.holds()) await b.lease.acquire().catch(() => false);
        else
          await b.lease.renew().then(
            () => killed && renewedAfterKill++,
            () => undefined,
          );
      }
    })();
    const sampling = (async () => {
      while (running) {
        if (a.lease.holds() && b.lease.holds()) both++;
        await sleep(10);
      }
    })();
    try {
      const info = await (await (await cluster.connect('kill-probe')).nc.jetstreamManager()).streams.info(
        'KV_roshi_lease_through-kill',
      );
      const victim = cluster.nodes.findIndex((n) => n.name === info.cluster?.leader);
      await sleep(1_000);
      await cluster.kill(victim);
      killed = true;
      await until(() => renewedAfterKill >= 5, 'renewals (by either holder) going on after the kill', {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await cluster.restart(victim);
      await sleep(1_000);
    } finally {
      running = false;
      await Promise.all([renewing, waiting, sampling]);
    }
    expect(both).toBe(0);
    const record = (await a.kv.get<LeaseRecord>('singleton'))!.value;
    expect([a.lease.holds(), b.lease.holds()].filter(Boolean).length).toBeLessThanOrEqual(1);
    if (a.lease.holds()) expect(record.holder).toBe('renewer');
    if (b.lease.holds()) expect(record.holder).toBe('waiter');
  }, 120_000);
});
