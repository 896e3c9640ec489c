// The operator hears once how a mission ended, even when its runner dies at the worst moment:
// just after its notice went onto the outbox. The notice is written into the record with the
// outcome and sent after, so a runner killed there has nothing left to repeat (the chaos run
// once found the mission reported done, re-run, and reported again).
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { addMission, waitForMission } from '../harness/missionClient.js';
import { createMissionWorld, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, sleep, TestTree } from '../harness/tree.js';

describe('the notice of how a mission ended', () => {
  let world: MissionWorld;
  let telegram: FakeTelegram;
  let tree: TestTree | undefined;
  afterAll(async () => {
    await tree?.stop();
    await telegram?.stop();
    await world?.stop();
  });

  it('reaches chat once when the runner is SIGKILLed the moment a notice for its mission is published', async () => {
    world = await createMissionWorld();
    telegram = await startFakeTelegram();
    const config = deepMerge(world.config({ actors: { chat: { enabled: false }, prPoller: { enabled: false } } }), {
      missions: { lease: '3s', leaseRenew: '1s' },
      bridge: {
        providers: ['telegram'],
        allowedUsers: ['telegram:1'],
        telegram: { apiUrl: telegram.url, tokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: '1', minInterval: '20ms' },
      },
    });
    tree = await TestTree.start({ config, env: { ...world.env, TELEGRAM_BOT_TOKEN: telegram.token } });
    await tree.waitForRunning(['missions', 'runner-1', 'bridge'], 60_000);
    world.scenarios.set('once', writesFile('once.txt', 'once'));

    const live = tree;
    let killed = 0;
    const mission = await addMission(live, 'write once.txt {{once}}');
    live.bus.subscribe(live.bus.subjects.bridgeOut, (payload) => {
      const id = String((payload as { id?: unknown }).id ?? '');
      if (killed > 0 || !id.startsWith(`mission-${mission.id}-`)) return;
      killed++;
      void live.child('runner-1').then((runner) => runner.pid && process.kill(runner.pid, 'SIGKILL'));
    });

    const ended = await waitForMission(live, mission.id, (m) => m.status === 'done' || m.status === 'failed', 90_000);
    expect(ended?.status).toBe('done');
    expect(killed).toBe(1);
    await sleep(3_000); // a second notice, if there were one, would be out by now
    const noticesOf = () => telegram.sent.filter((m) => m.shown.includes('once.txt') || m.shown.includes(mission.id));
    const notices = noticesOf();
    expect(
      notices.map((m) => m.shown),
      'one notice',
    ).toHaveLength(1);
    expect(ended?.attempts).toBe(1);
    // The killed runner could not let go of the notice; the missions actor's sweep does.
    const swept = await waitForMission(live, mission.id, (m) => m.notice === undefined, 30_000);
    expect(swept?.notice).toBeUndefined();
    expect(noticesOf()).toHaveLength(1);
  }, 150_000);
});
