// One real tree whose bridge runs every driven chat provider at once (providerDrivers.ts), for the
// provider contract suite: the missions actor, the bridge from a private copy of dist/, no runner
// and no chat actor (a stand-in answers chat turns and counts them, chatStandIn.ts). What the
// suite asks of it: the bridge's providers, the pending missions, a SIGKILL of the bridge.
import { expect } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { serveChatStandIn, type ChatStandIn } from './chatStandIn.js';
import type { MissionWorld } from './missionWorld.js';
import type { ProviderSession } from './providerDrivers.js';
import { isAlive } from './processes.js';
import { deepMerge, TestTree } from './tree.js';
import { until } from './until.js';

export interface ProvidersReply {
  state: string;
  providers: Record<string, { state: string; lastError?: string; maxLength: number }>;
}

export interface ProviderTree {
  tree: TestTree;
  chat: ChatStandIn;
  /** The `providers` control verb of the bridge. */
  providers(): Promise<ProvidersReply>;
  pendingMissions(): Promise<Mission[]>;
  /** SIGKILLs the bridge and waits for the supervisor to spawn the next one (not for it to be up). */
  killBridge(what: string): Promise<void>;
  /** The bridge log's tail, for timeout messages. */
  bridgeLog(): string;
}

export async function startProviderTree(
  world: MissionWorld,
  mainScript: string,
  sessions: ProviderSession[],
  rand: () => number,
): Promise<ProviderTree> {
  let bridge: Record<string, unknown> = { providers: [], allowedUsers: [] };
  for (const session of sessions)
    bridge = {
      ...bridge,
      ...session.bridge,
      providers: [...(bridge.providers as string[]), ...(session.bridge.providers as string[])],
      allowedUsers: [...(bridge.allowedUsers as string[]), ...(session.bridge.allowedUsers as string[])],
    };
  const config = deepMerge(
    world.config({
      actors: {
        bridge: { enabled: true },
        chat: { enabled: false },
        prPoller: { enabled: false },
        runner: { enabled: false },
        web: { enabled: false },
      },
    }),
    {
      supervision: { intensity: { maxRestarts: 10_000, period: '30s' }, backoff: { initial: '50ms', max: '200ms' } },
      // The kill loop writes faster than a person: the rate limit is not what it tests.
      bridge: { maxPerMinute: 10_000, ...bridge },
    },
  );
  const env = Object.assign({ ...world.env }, ...sessions.map((s) => s.env)) as Record<string, string>;
  const tree = await TestTree.start({ mainScript, config, env });
  const bridgeLog = () => `--- bridge log (tail) ---\n${tree.log('bridge').slice(-3000)}`;
  const providers = () => tree.bus.request<ProvidersReply>(tree.bus.subjects.control('bridge'), { verb: 'providers' });
  try {
    await tree.waitForRunning(['missions', 'bridge'], 60_000);
    // Receiving has begun (Slack and Matrix skip what was written before their first start).
    await until(
      async () => Object.values((await providers()).providers).every((p) => p.state === 'up'),
      'every provider up',
      { timeoutMs: 30_000, detail: bridgeLog },
    );
  } catch (error) {
    await tree.stop().catch(() => undefined);
    throw error;
  }
  return {
    tree,
    chat: serveChatStandIn(tree.bus, rand),
    providers,
    bridgeLog,
    pendingMissions: async () =>
      (
        await tree.bus.request<{ missions: Mission[] }>(tree.bus.subjects.missions('list'), {
          status: 'pending',
          limit: 1000,
        })
      ).missions,
    killBridge: async (what) => {
      const { pid } = await tree.child('bridge');
      process.kill(pid!, 'SIGKILL');
      await tree.waitForStatus(
        (s) => s.children.some((c) => c.name === 'bridge' && c.pid !== null && c.pid !== pid),
        30_000,
        `a new bridge after ${what}`,
      );
      expect(isAlive(pid!)).toBe(false);
    },
  };
}
