// Mission claims on a real 3-node cluster (nats-server as installed: Debian's 2.9.10 has the
// clustered compare-and-set race, so the R3 missions bucket gets the `stream` scope): three
// MissionStores, each on its own connection to its own node (the 200-mission race as the actors'
// own users), racing. Every mission is claimed exactly once and none is left pending while the
// runners are idle; a cancel racing a renewal is never lost; a node killed mid-claims claims
// nothing twice. docs/scale-out.md#compare-and-set-scope
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { hasClusteredCasRace } from '../../src/bus/clusterCheck.js';
import { JsonKv } from '../../src/bus/kv.js';
import type { Mission } from '../../src/contracts/index.js';
import { LeaseLostError } from '../../src/missions/errors.js';
import { MissionStore } from '../../src/missions/store.js';
import { silentLogger } from '../../src/log.js';
import { sleep } from '../../src/time/sleep.js';
import { useNatsCluster } from '../harness/natsCluster.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { until } from '../harness/until.js';

const fixture = useNatsCluster();
const SETTINGS = testMissionSettings();
let prefixes = 0;

/** The actors' own users (permissions.ts, prefix roshi), one per node: the stream scope's reads are theirs to make. */
const ACTORS = ['missions', 'runner-1', 'runner-2'];

/** A bus on node `index` only (its first server), at R3, as `user`; closed by the test's `close`. */
async function busOn(index: number, prefix: string, user: string, opened: Bus[]): Promise<Bus> {
  const { cluster } = fixture;
  const bus = await Bus.connect({
    url: cluster.nodes[index]!.url,
    ...cluster.credentialOf(user),
    name: `claimer-${index}`,
    prefix,
    logger: silentLogger(),
    requestTimeoutMs: 5_000,
    replicas: 3,
  });
  opened.push(bus);
  return bus;
}

/**
 * Three stores on one fresh bucket, one per node, and `count` pending missions in it; as the
 * actors' users on the cluster's own prefix (once per file: one bucket), or as the operator.
 */
async function world(count: number, asActors = false) {
  const prefix = asActors ? fixture.cluster.prefix : `cas${++prefixes}`;
  const buses: Bus[] = [];
  const stores: MissionStore[] = [];
  for (let i = 0; i < 3; i++) {
    stores.push(
      await MissionStore.open(await busOn(i, prefix, asActors ? ACTORS[i]! : 'operator', buses), SETTINGS, {
        logger: silentLogger(),
      }),
    );
  }
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await stores[i % 3]!.add({ text: `task ${i}`, source: 'cli' })).id);
  await until(() => stores.every((s) => s.size === count), `all three stores see the ${count} missions`, {
    timeoutMs: 30_000,
  });
  const scope = (await JsonKv.open(buses[0]!, buses[0]!.subjects.missionsBucket)).casScope;
  const close = async () => {
    for (const store of stores) store.close();
    for (const bus of buses) await bus.nc.close().catch(() => undefined);
  };
  return { buses, stores, ids, scope, close };
}

/** Runners claim until a claim finds nothing; errors (a node down, an election) are retried. */
async function claimAll(stores: MissionStore[], perStore: number, claims: Map<string, string[]>) {
  const errors: unknown[] = [];
  const runner = async (store: MissionStore, name: string) => {
    for (;;) {
      let mission: Mission | undefined;
      try {
        mission = await store.claim(name);
      } catch (error) {
        errors.push(error);
        await sleep(100);
        continue;
      }
      if (!mission) return;
      claims.set(mission.id, [...(claims.get(mission.id) ?? []), name]);
    }
  };
  await Promise.all(
    stores.flatMap((store, s) => Array.from({ length: perStore }, (_, r) => runner(store, `n${s}-r${r}`))),
  );
  return errors;
}

/** The records as the stream leader has them (a direct get may be served by a replica a write behind). */
async function bucketMissions(bus: Bus, ids: string[]): Promise<Mission[]> {
  const jsm = await bus.nc.jetstreamManager();
  const bucket = bus.subjects.missionsBucket;
  return Promise.all(
    ids.map(async (id) =>
      (await jsm.streams.getMessage(`KV_${bucket}`, { last_by_subj: `$KV.${bucket}.${id}` })).json<Mission>(),
    ),
  );
}

describe('mission claims on a 3-node cluster with R3 buckets', () => {
  it('three stores on three nodes claim 200 missions: each exactly once, none left pending', async () => {
    const w = await world(200, true);
    try {
      const version = w.buses[0]!.nc.info?.version;
      expect(w.scope).toBe(hasClusteredCasRace(version) ? 'stream' : 'subject');
      const claims = new Map<string, string[]>();
      await claimAll(w.stores, 2, claims);
      // Every runner is idle now (its last claim found nothing): the bucket has no pending mission left.
      const missions = await bucketMissions(w.buses[1]!, w.ids);
      expect(missions.filter((m) => m.status !== 'running').map((m) => m.id)).toEqual([]);
      expect([...claims.values()].filter((runners) => runners.length > 1)).toEqual([]);
      expect(claims.size).toBe(200);
      for (const m of missions) {
        expect(m.attempts).toBe(1);
        expect(m.lease?.runner).toBe(claims.get(m.id)![0]);
      }
    } finally {
      await w.close();
    }
  });

  it('a cancel racing a lease renewal is never lost', async () => {
    const w = await world(30);
    try {
      const [runnerStore, cancelStore] = [w.stores[0]!, w.stores[1]!];
      for (let i = 0; i < 30; i++) {
        const claimed = await runnerStore.claim('runner');
        expect(claimed).toBeDefined();
        const [renewed, cancelled] = await Promise.allSettled([
          runnerStore.renew(claimed!.id, 'runner'),
          cancelStore.cancel(claimed!.id, 'ana'),
        ]);
        expect(cancelled.status).toBe('fulfilled');
        if (renewed.status === 'rejected') expect(renewed.reason).toBeInstanceOf(LeaseLostError);
      }
      const missions = await bucketMissions(w.buses[2]!, w.ids);
      expect(missions.map((m) => m.status)).toEqual(Array(30).fill('cancelled'));
    } finally {
      await w.close();
    }
  });

  it('a node SIGKILLed mid-claims: nothing is claimed twice, and it rejoins', async () => {
    const w = await world(150);
    const { cluster } = fixture;
    try {
      const claims = new Map<string, string[]>();
      const claiming = claimAll(w.stores, 2, claims);
      await until(() => claims.size >= 20, 'the first claims', { timeoutMs: 30_000 });
      await cluster.kill(1);
      const beforeKill = claims.size;
      const errors = await claiming;
      expect(claims.size).toBeGreaterThan(beforeKill); // claims went on through the kill
      await cluster.restart(1);
      expect([...claims.values()].filter((runners) => runners.length > 1)).toEqual([]);
      // A claim whose acknowledgement was lost with the node still counts in the bucket: each
      // mission is running, claimed once (one attempt), by the runner that saw it if one did.
      const missions = await bucketMissions(w.buses[0]!, w.ids);
      expect(missions.filter((m) => m.status !== 'running').map((m) => m.id)).toEqual([]);
      for (const m of missions) {
        expect(m.attempts).toBe(1);
        const seen = claims.get(m.id);
        if (seen) expect(m.lease?.runner).toBe(seen[0]);
      }
      expect(claims.size).toBeGreaterThanOrEqual(150 - errors.length);
    } finally {
      await w.close();
    }
  });
});
