// Two hosts on a real 3-node NATS cluster for a host-kill scenario (docs/scale-out.md#work-on-any-host):
// the cluster, the mission world (each host clones the project into its own workspace), the fake
// Telegram, a full host's config with short mission and singleton leases, the scripted agent's
// run counts, and an afterAll that stops live hosts, removes killed hosts' state dirs and checks
// that no process of any host is left. Used by tests/e2e/hostKill.test.ts and hostCut.test.ts.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { writeFileStep } from '../fakes/anthropic.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { processesOfHost } from './hostKill.js';
import { startHost, WORKER_HOST } from './hostTrees.js';
import { createMissionWorld, type MissionWorld, type Scenario } from './missionWorld.js';
import { startNatsCluster, type ClusterOptions, type NatsCluster } from './natsCluster.js';
import { deepMerge, sleep, type TestTree } from './tree.js';
import { until } from './until.js';

export const LEASE_TTL_MS = 3_000; // supervision.leaseTtl: the singletons' lease
/** A worker host: its watchdog and two runners. */
export const WORKER = { ...WORKER_HOST, runner: { instances: 2 } };
export const actorsOf = (host: string, kinds: string[]) => kinds.map((k) => `${host}-${k}`);

/**
 * One cluster, mission world and fake Telegram per scenario; every host it starts is stopped.
 * `cluster`: more options of the cluster (its actors' users are `actors`).
 */
export function useHostKillWorld(actors: string[], cluster: Omit<ClusterOptions, 'actors'> = {}) {
  const rig = {
    cluster: undefined as unknown as NatsCluster,
    world: undefined as unknown as MissionWorld,
    telegram: undefined as unknown as FakeTelegram,
    hosts: [] as TestTree[],
    /** Agent runs per marker: started (first request) and complete (last turn answered). */
    starts: new Map<string, number>(),
    completes: new Map<string, number>(),
    /** h1's config: missions, bridge (fake Telegram), one runner; short mission and singleton leases. */
    full: {} as Record<string, unknown>,
    env: {} as Record<string, string>,
    /** Run after the hosts stopped, before the cluster stops (e.g. closing a host's relays). */
    afterHosts: [] as Array<() => Promise<void>>,
    start: async (id: string, config: Record<string, unknown>, stateDir?: string, natsUrl?: string) => {
      const tree = await startHost({
        id,
        cluster: rig.cluster,
        config,
        env: rig.env,
        ...(stateDir ? { stateDir } : {}),
        ...(natsUrl ? { natsUrl } : {}),
      });
      rig.hosts.push(tree);
      return tree;
    },
    /** A mission that works `seconds` (the first run `firstSeconds`), then writes a file. */
    slow:
      (marker: string, seconds: number, firstSeconds = seconds): Scenario =>
      ({ toolResults }) => {
        if (toolResults === 0) rig.starts.set(marker, (rig.starts.get(marker) ?? 0) + 1);
        if (toolResults === 2) rig.completes.set(marker, (rig.completes.get(marker) ?? 0) + 1);
        const wait = rig.starts.get(marker) === 1 ? firstSeconds : seconds;
        return toolResults === 0
          ? { toolUse: { name: 'Bash', input: { command: `sleep ${wait}`, description: 'think' } } }
          : writeFileStep(`${marker}.txt`, marker, toolResults - 1);
      },
    /** Notices sent to Telegram about `mission` (a notice quotes its mission's text). */
    noticesOf: (mission: Mission) =>
      rig.telegram.sent.filter((m) => m.shown.includes(mission.id) || m.shown.includes(mission.text)),
  };
  beforeAll(async () => {
    rig.cluster = await startNatsCluster({ ...cluster, actors });
    rig.world = await createMissionWorld();
    rig.telegram = await startFakeTelegram();
    rig.env = { ...rig.world.env, TELEGRAM_BOT_TOKEN: rig.telegram.token };
    rig.full = deepMerge(rig.world.config(), {
      // Each host clones the project into its own workspace: hosts share nothing on disk.
      projects: { app: { path: '', url: rig.world.bare } },
      missions: { lease: '5s', leaseRenew: '1s' },
      supervision: { leaseTtl: `${LEASE_TTL_MS}ms` },
      actors: { bridge: { enabled: true } },
      bridge: {
        providers: ['telegram'],
        allowedUsers: ['telegram:1'],
        telegram: { apiUrl: rig.telegram.url, tokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: '1', minInterval: '20ms' },
      },
    });
  }, 120_000);
  afterAll(async () => {
    const errors: unknown[] = [];
    // Live hosts stop as usual (the last started first); a killed host's state dir is removed.
    for (const tree of [...rig.hosts].reverse()) {
      if (tree.process.exitCode === null && tree.process.signalCode === null)
        await tree.stop().catch((error: unknown) => errors.push(error));
    }
    const left = rig.hosts.flatMap(processesOfHost);
    for (const tree of rig.hosts) rmSync(tree.stateDir, { recursive: true, force: true });
    for (const cleanup of rig.afterHosts) await cleanup().catch((error: unknown) => errors.push(error));
    await rig.cluster?.stop();
    await rig.telegram?.stop();
    await rig.world?.stop();
    expect(left).toEqual([]);
    if (errors.length) throw errors[0];
  }, 120_000);
  return rig;
}

/** Waits until every mission has its notice, a little more for a double, and checks one each. */
export async function expectOneNoticeEach(rig: ReturnType<typeof useHostKillWorld>, missions: Mission[]) {
  await until(() => missions.every((m) => rig.noticesOf(m).length > 0), 'a notice for every mission', {
    timeoutMs: 30_000,
    detail: () => rig.telegram.sent.map((m) => m.shown.slice(0, 120)).join('\n'),
  });
  await sleep(3_000);
  for (const m of missions) expect(rig.noticesOf(m).length, `notices of ${m.id}`).toBe(1);
}
