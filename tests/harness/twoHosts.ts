// Two supervisors as hosts on a real 3-node NATS cluster (docs/scale-out.md#hosts-and-names): h1 a
// full host running what the mission world runs, h2 a worker host, each with its own state dir and
// host id; both running before the tests, the mission events h1 sees, and an afterAll that stops
// both and checks no process of either is left. Used by tests/e2e/twoHosts.test.ts and
// drainTwoHosts.test.ts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { MissionEvent } from '../../src/contracts/index.js';
import { startHost, WORKER_HOST } from './hostTrees.js';
import { createMissionWorld, type MissionWorld } from './missionWorld.js';
import { startNatsCluster, type NatsCluster } from './natsCluster.js';
import { liveProcessesWhere } from './procScan.js';
import { deepMerge, type TestTree } from './tree.js';

export interface TwoHostsOptions {
  /** The actors each host runs, waited for before the tests (and the cluster's users). */
  actors: { h1: string[]; h2: string[] };
  /** Sets the mission world's scenarios, before the hosts start. */
  scenarios: (world: MissionWorld) => void;
  /** Added to the mission world's config for h1; h2's config is h1's with `worker` as its actors. */
  full?: Record<string, unknown>;
  /** h2's `actors:` (default WORKER_HOST: its watchdog and one runner). */
  worker?: Record<string, unknown>;
}

/** One cluster, mission world and pair of hosts per describe; both hosts are stopped after it. */
export function useTwoHosts({ actors, scenarios, full = {}, worker = WORKER_HOST }: TwoHostsOptions) {
  const rig = {
    cluster: undefined as unknown as NatsCluster,
    world: undefined as unknown as MissionWorld,
    h1: undefined as unknown as TestTree,
    h2: undefined as unknown as TestTree,
    /** The mission events h1's test connection received, from both hosts. */
    events: [] as MissionEvent[],
  };
  const stateDirs: string[] = [];
  beforeAll(async () => {
    rig.cluster = await startNatsCluster({ actors: [...actors.h1, ...actors.h2] });
    rig.world = await createMissionWorld();
    scenarios(rig.world);
    const { cluster, world } = rig;
    const base = deepMerge(world.config(), full);
    rig.h1 = await startHost({ id: 'h1', cluster, config: base, env: world.env });
    stateDirs.push(rig.h1.stateDir);
    rig.h2 = await startHost({ id: 'h2', cluster, config: deepMerge(base, { actors: worker }), env: world.env });
    stateDirs.push(rig.h2.stateDir);
    await rig.h1.waitForRunning(actors.h1, 60_000);
    await rig.h2.waitForRunning(actors.h2, 60_000);
    rig.h1.bus.subscribe(rig.h1.bus.subjects.missionEvents, (e) => void rig.events.push(e as unknown as MissionEvent));
    await rig.h1.bus.nc.flush();
  }, 240_000);
  afterAll(async () => {
    const errors: unknown[] = [];
    // A host that failed to start is undefined here.
    for (const tree of [rig.h2, rig.h1]) await tree?.stop().catch((error: unknown) => errors.push(error));
    await rig.cluster?.stop();
    await rig.world?.stop();
    // Every process either host started is gone (their environment names their state dir).
    const left = liveProcessesWhere((pid) => {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      return stateDirs.some((dir) => environ.includes(dir));
    });
    expect(left).toEqual([]);
    if (errors.length) throw errors[0];
  }, 120_000);
  return rig;
}
