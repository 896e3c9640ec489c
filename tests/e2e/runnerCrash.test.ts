// A runner that dies around its agent's end, at the worst moments: frozen while the agent
// finishes, killed during the delivery (a slow quality gate), and killed just after the
// mission's notice went onto the outbox. The agent does not run (and cost) twice, and the
// operator hears once how the mission ended (docs/missions.md#delivery-after-a-crash). The
// chaos run found all three.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/kv.js';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { writeFileStep } from '../fakes/anthropic.js';
import { addMission, waitForMission } from '../harness/missionClient.js';
import { createMissionWorld, gitIn, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, sleep, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

let world: MissionWorld;
let telegram: FakeTelegram;
let tree: TestTree;
/** Agent runs answered to the end (the last turn), by scenario. */
const completeRuns = new Map<string, number>();

/** The scenario's agent writes `<key>.txt`; a run counts as complete when its last turn is answered. */
function countedWriter(key: string): void {
  world.scenarios.set(key, ({ toolResults }) => {
    if (toolResults > 0) completeRuns.set(key, (completeRuns.get(key) ?? 0) + 1);
    return writeFileStep(`${key}.txt`, key, toolResults);
  });
}

const killRunner = () => tree.child('runner-1').then((runner) => runner.pid && process.kill(runner.pid, 'SIGKILL'));
const ended = (id: string) => waitForMission(tree, id, (m) => m.status === 'done' || m.status === 'failed', 90_000);

beforeAll(async () => {
  world = await createMissionWorld();
  telegram = await startFakeTelegram();
  const hold = join(world.dir, 'hold-gate');
  const config = deepMerge(world.config({ actors: { chat: { enabled: false }, prPoller: { enabled: false } } }), {
    // Long enough for a runner's next process to start on a loaded machine (it takes over the lease).
    missions: { lease: '10s', leaseRenew: '1s' },
    // A gate that is slow once, when the test asks for it: the runner is killed mid-delivery.
    projects: {
      app: {
        qualityGate: {
          mode: 'warn',
          commands: [`if [ -e ${hold} ]; then rm ${hold}; touch ${world.dir}/gate-held; sleep 4; fi`],
        },
      },
    },
    bridge: {
      providers: ['telegram'],
      allowedUsers: ['telegram:1'],
      telegram: { apiUrl: telegram.url, tokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: '1', minInterval: '20ms' },
    },
  });
  tree = await TestTree.start({ config, env: { ...world.env, TELEGRAM_BOT_TOKEN: telegram.token } });
  await tree.waitForRunning(['missions', 'runner-1', 'bridge'], 60_000);
}, 120_000);

afterAll(async () => {
  await tree?.stop();
  await telegram?.stop();
  await world?.stop();
});

describe('a runner killed after its agent finished', () => {
  it('during the delivery: the next attempt delivers the same work without running the agent again', async () => {
    countedWriter('midgate');
    writeFileSync(join(world.dir, 'hold-gate'), '');
    const mission = await addMission(tree, 'write midgate.txt {{midgate}}');
    await until(() => existsSync(join(world.dir, 'gate-held')), 'the gate holding the delivery', { timeoutMs: 60_000 });
    await killRunner();
    rmSync(join(world.dir, 'gate-held'));

    const done = await ended(mission.id);
    expect(done?.status, done?.lastError).toBe('done');
    expect(done?.attempts, 'the second attempt delivered').toBe(2);
    expect(completeRuns.get('midgate'), 'agent runs answered to the end').toBe(1);
    expect(done?.delivery).toBeUndefined();
    // What the first attempt's agent wrote is what reached the remote branch.
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${done!.result!.branch}:midgate.txt`)).toBe('midgate');
  }, 150_000);

  it('frozen while its agent finishes: the next attempt adopts the finished run from the stream file', async () => {
    const runner = await tree.child('runner-1');
    let frozen = 0;
    world.scenarios.set('frozen', ({ toolResults }) => {
      if (toolResults > 0) {
        completeRuns.set('frozen', (completeRuns.get('frozen') ?? 0) + 1);
        // The last turn is answered while the runner cannot read it; the watchdog kills the runner.
        if (frozen++ === 0 && runner.pid) process.kill(runner.pid, 'SIGSTOP');
      }
      return writeFileStep('frozen.txt', 'frozen', toolResults);
    });
    const mission = await addMission(tree, 'write frozen.txt {{frozen}}');

    const done = await ended(mission.id);
    expect(frozen, 'the runner was frozen at the last turn').toBeGreaterThan(0);
    expect(done?.status, done?.lastError).toBe('done');
    expect(done?.attempts, 'the second attempt delivered').toBe(2);
    expect(completeRuns.get('frozen'), 'agent runs answered to the end').toBe(1);
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${done!.result!.branch}:frozen.txt`)).toBe('frozen');
  }, 150_000);

  it('its worktree goes only once the record says how the mission ended (a runner killed between the two costs no second run)', async () => {
    // Chaos run 6: a runner frozen after it removed the worktree but before it recorded the end
    // left a mission whose delivery had no worktree to deliver from, and the agent ran again.
    countedWriter('order');
    const kv = await JsonKv.open(tree.bus, tree.bus.subjects.missionsBucket);
    const mission = await addMission(tree, 'write order.txt {{order}}');
    const worktree = join(tree.stateDir, 'workspace', 'worktrees', mission.id);
    await until(() => existsSync(worktree) || undefined, 'the mission worktree', { timeoutMs: 60_000 });
    while (existsSync(worktree)) await sleep(2);
    const record = await kv.get<Mission>(mission.id);
    expect(record?.value.status, 'the record when the worktree went').toBe('done');
    expect(completeRuns.get('order')).toBe(1);
  }, 150_000);

  it('killed while its agent works: the agent finishes under the next process and is not run again', async () => {
    // Chaos run 5: the runner's next process killed the agent its predecessor left, mid-run.
    const started = join(world.dir, 'working-started');
    let runsStarted = 0;
    world.scenarios.set('working', ({ toolResults }) => {
      if (toolResults > 0) return { text: 'wrote working.txt' };
      runsStarted++;
      return {
        toolUse: {
          name: 'Bash',
          input: { command: `touch ${started}; sleep 6; printf working > working.txt`, description: 'work' },
        },
      };
    });
    const mission = await addMission(tree, 'write working.txt {{working}}');
    await until(() => existsSync(started), 'the agent at work', { timeoutMs: 60_000 });
    await killRunner();

    const done = await ended(mission.id);
    expect(done?.status, done?.lastError).toBe('done');
    expect(runsStarted, 'agent runs started').toBe(1);
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${done!.result!.branch}:working.txt`)).toBe('working');
  }, 150_000);

  it('just after the notice of how its mission ended went out: the operator hears it once', async () => {
    countedWriter('notice');
    const mission = await addMission(tree, 'write notice.txt {{notice}}');
    let killed = 0;
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.bridgeOut, (payload) => {
      const id = String((payload as { id?: unknown }).id ?? '');
      if (killed > 0 || !id.startsWith(`mission-${mission.id}-`)) return;
      killed++;
      void killRunner();
    });
    try {
      const done = await ended(mission.id);
      expect(done?.status).toBe('done');
      // The notice goes out just after the outcome is recorded, so the kill comes a moment after "done".
      await until(() => killed > 0 || undefined, 'the notice on the outbox', { timeoutMs: 10_000 });
      expect(killed).toBe(1);
      expect(done?.attempts).toBe(1);
      // The killed runner could not let go of the notice; the missions actor's sweep does.
      const swept = await waitForMission(tree, mission.id, (m) => m.notice === undefined, 30_000);
      expect(swept?.notice).toBeUndefined();
      await sleep(2_000); // a second notice, if there were one, would be out by now
      const notices = telegram.sent.filter((m) => m.shown.includes('notice.txt') || m.shown.includes(mission.id));
      expect(
        notices.map((m) => m.shown),
        'one notice',
      ).toHaveLength(1);
      expect(completeRuns.get('notice')).toBe(1);
    } finally {
      unsubscribe();
    }
  }, 150_000);
});
