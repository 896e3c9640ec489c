// The bridge in a real tree talking to Discord (the REST + Gateway fake, tests/fakes/discord.ts):
// a mission added from the Discord channel is queued (the reply arrives in the channel, as a reply),
// run by a real runner with the real Claude CLI against the scripted API, and its result notice
// arrives in the channel once; the queued reply's Cancel button, pressed, cancels a mission; a user
// not on the allow-list is refused and nothing runs. See docs/chat.md#discord.
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { createMissionWorld, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, sleep, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const CHANNEL = '1100000000000000001';
const OPERATOR = '80351110224678912';
const STRANGER = '80351110224678999';

describe('the bridge on Discord', () => {
  let world: MissionWorld;
  let tree: TestTree;
  let discord: FakeDiscord;
  afterAll(async () => {
    await discord?.stop();
  });

  useMissionTree(
    async () => {
      const fake = await startFakeDiscord({ channels: [CHANNEL] });
      discord = fake;
      const started = await createMissionWorld();
      const config = deepMerge(
        started.config({
          actors: { bridge: { enabled: true }, chat: { enabled: false }, prPoller: { enabled: false } },
        }),
        {
          bridge: {
            providers: ['discord'],
            allowedUsers: [`discord:${OPERATOR}`],
            discord: { apiUrl: fake.apiUrl, channelId: CHANNEL, minInterval: '0ms' },
          },
        },
      );
      let tree2: TestTree | undefined;
      try {
        tree2 = await TestTree.start({ config, env: { ...started.env, DISCORD_BOT_TOKEN: fake.token } });
        await tree2.waitForRunning(['watchdog', 'missions', 'bridge', 'runner-1']);
        // The provider is up once the Gateway session is ready.
        await until(
          async () => {
            const reply = await tree2!.bus
              .request<{ providers: Record<string, { state: string }> }>(tree2!.bus.subjects.control('bridge'), {
                verb: 'providers',
              })
              .catch(() => undefined); // the bridge's machine may not answer yet
            return reply?.providers.discord?.state === 'up' && fake.gateway.live === 1;
          },
          'discord up',
          { timeoutMs: 30_000, detail: () => `--- bridge log (tail) ---\n${tree2!.log('bridge').slice(-3000)}` },
        );
        return { world: started, tree: tree2 };
      } catch (error) {
        await tree2?.stop();
        await started.stop();
        throw error;
      }
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  /** What the channel shows of our posts, unescaped as Discord renders them. */
  const shown = () => discord.posted.map((m) => ({ ...m, text: m.content.replace(/\\(.)/g, '$1') }));
  const waitForPost = async (test: (text: string) => boolean, what: string, timeoutMs = 15_000) => {
    await until(() => shown().some((m) => test(m.text)), what, {
      timeoutMs,
      detail: () =>
        `--- posted ---\n${shown()
          .map((m) => m.text)
          .join('\n')}\n--- bridge log (tail) ---\n${tree.log('bridge').slice(-3000)}`,
    });
    return shown().find((m) => test(m.text))!;
  };

  it('runs a mission written in the channel and posts its queued reply and result notice there', async () => {
    world.scenarios.set('d-1', writesFile('discord.txt', 'from discord'));
    const asked = discord.postUserMessage(CHANNEL, OPERATOR, '/mission add a file {{d-1}}');
    const queued = await waitForPost((t) => t.startsWith('⏳ queued'), 'the queued reply');
    expect(queued.channel_id).toBe(CHANNEL);
    expect(queued.text).toContain('[app] add a file {{d-1}}');
    const id = /queued (\w+)/.exec(queued.text)?.[1];
    expect(id).toBeTruthy();
    // A reply to the operator's message, as Discord shows replies.
    expect(queued.message_reference).toMatchObject({ message_id: asked.id });

    const result = await waitForPost(
      (t) => t.includes('add a file {{d-1}}') && /^[✅⚠❌]/u.test(t),
      'the mission result notice',
      90_000,
    );
    expect(result.text).toMatch(/^✅ \[project:app\] add a file \{\{d-1\}\} → /);
    expect(result.text).toMatch(/\/acme\/app\/pull\/\d+/);
    // Each notice reaches the channel once.
    await sleep(500);
    expect(shown().filter((m) => m.text === result.text)).toHaveLength(1);
    expect(shown().filter((m) => m.text === queued.text)).toHaveLength(1);
  }, 120_000);

  it('the Cancel button under a queued reply cancels the mission when the operator presses it', async () => {
    const say = (text: string) => discord.postUserMessage(CHANNEL, OPERATOR, text);
    // Paused, so the mission is still pending when the button is pressed.
    say('/pause');
    await waitForPost((t) => t.startsWith('⏸ dispatch paused'), 'the pause');
    try {
      say('/mission never to run {{d-2}}');
      const queued = await waitForPost(
        (t) => t.startsWith('⏳ queued') && t.includes('never to run'),
        'the queued reply',
      );
      const id = /queued (\w+)/.exec(queued.text)![1]!;
      const buttons = (queued.components as Array<{ components: Array<{ label: string; custom_id: string }> }>).flatMap(
        (row) => row.components,
      );
      const cancel = buttons.find((b) => b.custom_id === `/cancel ${id}`);
      expect(cancel, JSON.stringify(buttons)).toBeDefined();
      const pressId = discord.pressButton(CHANNEL, OPERATOR, queued.id, cancel!.custom_id);
      const cancelled = await waitForPost((t) => t.startsWith(`✖ cancelled ${id}`), 'the cancellation');
      // The answer to the press replies to the message that carried the button.
      expect(cancelled.message_reference).toMatchObject({ message_id: queued.id });
      expect(discord.interactionAnswers).toContainEqual({ interactionId: pressId, type: 6 });
      const mission = await tree.bus.request<{ status: string }>(tree.bus.subjects.missions('get'), { id });
      expect(mission.status).toBe('cancelled');
    } finally {
      say('/resume');
      await waitForPost((t) => t.startsWith('▶ dispatch resumed'), 'the resume');
    }
  });

  it('refuses a user who is not on the allow-list and runs nothing', async () => {
    discord.postUserMessage(CHANNEL, STRANGER, '/mission remove everything');
    const refusal = await waitForPost((t) => t.includes('Not allowed'), 'the refusal');
    expect(refusal.text).toContain(`discord:${STRANGER}`);
    const list = await tree.bus.request<{ missions: Array<{ text: string }> }>(tree.bus.subjects.missions('list'), {});
    expect(list.missions.some((m) => m.text.includes('remove everything'))).toBe(false);
    // The bot token never reaches the bridge's log.
    expect(tree.log('bridge')).not.toContain(discord.token);
  });
});
