// Slack over Socket Mode as an operator's client sees it, through a real tree (missions + bridge)
// and the fake Slack (Web API and Socket Mode): a mission asked in the channel is answered in its
// thread with a Cancel button, the same envelope sent again (also after a SIGKILL of the bridge)
// queues nothing twice, `/roshi list`
// is the bridge's /list, a stranger's press is refused and the operator's press cancels.
// docs/chat.md#slack-and-matrix-replies-that-look-native
import { afterAll, describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const [CHANNEL, OPERATOR, STRANGER] = ['C0OPSCHAN', 'U0OPERATOR', 'U0STRANGER'];
/** A posted text as Slack shows it (its three escapes undone). */
const shown = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('slack socket mode through the bridge', () => {
  let world: MissionWorld;
  let slack: FakeSlack;
  let tree: TestTree | undefined;
  afterAll(async () => {
    await tree?.stop().catch(() => undefined);
    await slack?.stop();
    await world?.stop();
  });

  it('threads answers, dedupes a redelivered envelope, takes slash commands and button presses', async () => {
    world = await createMissionWorld();
    slack = await startFakeSlack({ channels: [CHANNEL] });
    const config = deepMerge(
      world.config({
        actors: { chat: { enabled: false }, prPoller: { enabled: false }, runner: { enabled: false } },
      }),
      {
        bridge: {
          providers: ['slack'],
          allowedUsers: [`slack:${OPERATOR}`],
          slack: {
            apiUrl: slack.url,
            botTokenEnv: 'SLACK_BOT_TOKEN',
            appTokenEnv: 'SLACK_APP_TOKEN',
            channel: CHANNEL,
            minInterval: '0ms',
          },
        },
      },
    );
    const env = { ...world.env, SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken };
    tree = await TestTree.start({ config, env });
    await tree.waitForRunning(['missions', 'bridge'], 60_000);
    await until(() => slack.socket.connected === 1, 'the Socket Mode connection', { timeoutMs: 30_000 });
    const posted = (prefix: string) => slack.posted.filter((p) => shown(p.text).startsWith(prefix));

    const asked = slack.postUserMessage(CHANNEL, OPERATOR, '/mission tidy the readme');
    const envelope = slack.socket.sent.at(-1)!;
    await until(() => posted('⏳ queued').length === 1, 'the queued reply', { timeoutMs: 30_000 });
    const queued = posted('⏳ queued')[0]!;
    const id = /queued (\w+)/.exec(shown(queued.text))![1]!;
    expect(queued.thread_ts).toBe(asked.ts);
    expect(queued.blocks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'actions',
          elements: [expect.objectContaining({ value: `/cancel ${id}` })],
        }),
      ]),
    );

    // Slack sends the envelope again (as after a missed ack): acknowledged, nothing queued twice.
    slack.socket.redeliver(envelope);
    await until(
      () => slack.socket.acks.filter((a) => a.envelope_id === envelope.envelope_id).length === 2,
      'the second ack',
    );
    const list = async () =>
      (await tree!.bus.request<{ missions: Array<{ text: string }> }>(tree!.bus.subjects.missions('list'), {}))
        .missions;
    expect((await list()).filter((m) => m.text === 'tidy the readme')).toHaveLength(1);

    // The bridge killed, Slack sends the envelope again to the new connection: the bridge's
    // intake key (the message's ts) gives back the same mission; the reply is not sent twice.
    const before = await tree.child('bridge');
    const hellos = slack.socket.hellos;
    process.kill(before.pid!, 'SIGKILL');
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'bridge' && c.state === 'running' && c.pid && c.pid !== before.pid),
      60_000,
      'a new bridge',
    );
    await until(() => slack.socket.hellos > hellos && slack.socket.connected === 1, 'the new connection', {
      timeoutMs: 30_000,
    });
    slack.socket.redeliver(envelope, 'timeout');
    await until(
      () => slack.socket.acks.filter((a) => a.envelope_id === envelope.envelope_id).length === 3,
      'the ack after the restart',
      { timeoutMs: 30_000 },
    );
    expect((await list()).filter((m) => m.text === 'tidy the readme')).toHaveLength(1);

    slack.slashCommand(CHANNEL, OPERATOR, 'list');
    await until(() => slack.posted.some((p) => shown(p.text).includes(id) && p !== queued), 'the /list answer', {
      timeoutMs: 30_000,
    });

    const status = async () => (await tree!.bus.request<Mission>(tree!.bus.subjects.missions('get'), { id })).status;
    slack.pressButton(CHANNEL, STRANGER, queued.ts, `/cancel ${id}`);
    await until(() => posted('⛔ Not allowed').length === 1, 'the refusal', { timeoutMs: 30_000 });
    expect(posted('⛔ Not allowed')[0]!.thread_ts).toBe(asked.ts);
    expect(await status()).toBe('pending');

    slack.pressButton(CHANNEL, OPERATOR, queued.ts, `/cancel ${id}`);
    await until(() => posted(`✖ cancelled ${id}`).length === 1, 'the cancel answer', { timeoutMs: 30_000 });
    expect(await status()).toBe('cancelled');
    expect(posted('⏳ queued')).toHaveLength(1);
    // No polling: the history is read once per connection (and once at the first start).
    const historyReads = slack.requests.filter((r) => r.method === 'conversations.history').length;
    expect(historyReads).toBeLessThanOrEqual(slack.socket.hellos + 1);
  }, 120_000);
});
