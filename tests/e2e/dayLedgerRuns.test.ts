// The day ledger counts every agent run as it streams (docs/missions.md#spend-and-budgets): a
// real tree (runner and chat from dist/, the real Claude Code CLI against the scripted API). A
// mission whose agent sits in a long Bash call has its first turn in the ledger while it still
// runs; cancelled, it stays counted; a chat answer counts for the system, not for a project.
import { describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/index.js';
import type { ChatReply, Mission } from '../../src/contracts/index.js';
import { readDaySpend, utcDay, type DaySpend } from '../../src/usage/dayLedger.js';
import { answerByLastMarker } from '../harness/chatScenarios.js';
import { runsBash, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { deepMerge, type TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('the day ledger', { timeout: 180_000 }, () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    {
      prepare: answerByLastMarker,
      config: (w) => deepMerge(w.config(), { actors: { chat: { enabled: true } }, chat: { timeout: '60s' } }),
      running: ['missions', 'runner-1', 'chat'],
    },
    (started) => ({ world, tree } = started),
    120_000,
  );

  it('counts a mission run while it streams and after its cancel, and a chat answer for the system', async () => {
    const state = await JsonKv.open(tree.bus, tree.bus.subjects.stateBucket);
    const today = (): Promise<DaySpend> => readDaySpend(state, utcDay(Date.now()));
    const get = (id: string) => tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id });

    world.scenarios.set('ledger-slow', runsBash('exec sleep 300', 'wait'));
    const mission = await tree.bus.request<Mission>(tree.bus.subjects.missions('add'), {
      text: 'take all the time {{ledger-slow}}',
      source: 'nats',
    });
    // Its one answered turn is counted while the agent still sits in its Bash call.
    const streaming = await until(
      async () => {
        const spend = await today();
        return spend.projects.app?.turns === 1 ? spend : undefined;
      },
      'the running mission counted',
      { timeoutMs: 60_000, intervalMs: 100, detail: () => tree.output().slice(-3000) },
    );
    expect((await get(mission.id)).status).toBe('running');
    expect(streaming.projects.app!.tokens).toBeGreaterThan(0);
    expect(streaming.projects.app!.usd).toBeGreaterThan(0); // estimated until a result says
    expect(streaming.system.turns).toBe(1);

    await tree.bus.request(tree.bus.subjects.missions('cancel'), { id: mission.id });
    await until(async () => (await get(mission.id)).lease === undefined, 'the cancelled run ended', {
      timeoutMs: 30_000,
    });
    const afterCancel = await today();
    expect(afterCancel.projects.app?.turns).toBe(1);

    world.scenarios.set('ledger-chat', () => ({ text: 'a chat answer' }));
    const reply = await tree.bus.request<ChatReply>(
      tree.bus.subjects.chatRequest,
      { text: 'what did we spend? {{ledger-chat}}', chatId: 'ledger-1', provider: 'console', userId: 'tester' },
      90_000,
    );
    expect(reply.text).toBe('a chat answer');
    const afterChat = await until(
      async () => {
        const spend = await today();
        return spend.system.turns === 2 ? spend : undefined;
      },
      'the chat answer counted',
      { timeoutMs: 30_000 },
    );
    expect(afterChat.system.usd).toBeGreaterThan(afterCancel.system.usd);
    expect(afterChat.projects.app).toEqual(afterCancel.projects.app);
  });
});
