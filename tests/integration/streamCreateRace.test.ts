// Hosts starting together on a 3-node cluster all create the tree's streams and buckets. With a
// short JetStream timeout (a loaded cluster) a create times out and is sent again while the first
// is still being placed, and the creations of different hosts cross: each must still end with the
// one asset, never "subjects overlap" or "name already in use", and a bucket must take a write as
// soon as it is open. Against the build before src/bus/creationRace.ts the stream case failed in
// about one run in three, the bucket case in every run (a write reaching nobody, 503).
// docs/scale-out.md#two-hosts-creating-one-stream
import { describe, expect, it } from 'vitest';
import { Bus, JsonKv } from '../../src/bus/index.js';
import { ensureStream } from '../../src/bus/streams.js';
import { OPERATOR_USER } from '../../src/bus/permissions.js';
import { silentLogger } from '../../src/log.js';
import { useNatsCluster } from '../harness/natsCluster.js';

const nats = useNatsCluster();
const LIMITS = { maxMessages: 100, maxAgeMs: 3_600_000, duplicateWindowMs: 60_000 };

/** Three hosts' connections, replicas 3, each JetStream request given up after 250 ms. */
async function threeHosts(): Promise<Bus[]> {
  const { cluster } = nats;
  return Promise.all(
    ['h1', 'h2', 'h3'].map((name) =>
      Bus.connect({
        url: cluster.url,
        ...cluster.credentialOf(OPERATOR_USER),
        name,
        prefix: cluster.prefix,
        logger: silentLogger(),
        replicas: 3,
        jetstreamTimeout: 250,
      }),
    ),
  );
}

/**
 * A timed-out creation sent again at once (the supervisor waits a second, bootstrap.ts): the
 * second request then meets the first, still being placed, as often as it can.
 */
async function againOnTimeout<T>(create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'TIMEOUT' || attempt >= 10) throw error;
    }
  }
}

/** Runs `create` twice on every host at once, `rounds` times; the failures, as "<round>: <message>". */
async function raceRounds(hosts: Bus[], rounds: number, create: (bus: Bus, round: number) => Promise<unknown>) {
  const failures: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const results = await Promise.allSettled(
      [...hosts, ...hosts].map((bus) => againOnTimeout(() => create(bus, round))),
    );
    for (const r of results) if (r.status === 'rejected') failures.push(`${round}: ${(r.reason as Error).message}`);
  }
  return failures;
}

describe('creating one stream or bucket from several hosts at once on a cluster', () => {
  it('every host ends with the one stream', async () => {
    const hosts = await threeHosts();
    try {
      const prefix = nats.cluster.prefix;
      const failures = await raceRounds(hosts, 40, (bus, round) =>
        ensureStream(bus, `race_${round}`, `${prefix}.race.${round}`, LIMITS),
      );
      expect(failures).toEqual([]);
      const jsm = await hosts[0]!.jetstreamManager();
      const info = await jsm.streams.info('race_39');
      expect(info.config.subjects).toEqual([`${prefix}.race.39`]);
      expect(info.config.num_replicas).toBe(3);
    } finally {
      for (const bus of hosts) await bus.nc.close();
    }
  }, 240_000);

  it('every host opens the one bucket', async () => {
    const hosts = await threeHosts();
    try {
      const failures = await raceRounds(hosts, 15, (bus, round) => JsonKv.open(bus, `race_kv_${round}`));
      expect(failures).toEqual([]);
      const kv = await JsonKv.open(hosts[0]!, 'race_kv_14');
      await kv.put('k', { written: 'by h1' });
      expect((await (await JsonKv.open(hosts[2]!, 'race_kv_14')).get('k'))?.value).toEqual({ written: 'by h1' });
    } finally {
      for (const bus of hosts) await bus.nc.close();
    }
  }, 240_000);
});
