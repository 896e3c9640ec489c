// The Slack provider over Socket Mode (an app token set) against the fake Slack, whose WebSocket
// side speaks the protocol (tests/fakes/slackSocket.ts): messages as events_api envelopes (each
// acknowledged, the bot's own and other channels' ignored), a slash command, a button press, a
// redelivered envelope handed over once, a disconnect and a cut connection reopened, and the
// connection state as receive health (degraded while closed longer than silentAfter).
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { ReceiveWatch } from '../../src/bridge/receiveWatch.js';
import type { SlackEnvelope } from '../fakes/slackSocket.js';
import { MemoryCursor } from '../harness/memoryCursor.js';
import { collector } from '../harness/providerRig.js';
import { ANA, BOB, CHANNEL, OTHER, slackRig } from '../harness/slackRig.js';
import { until } from '../harness/until.js';

/** `token` here is the app token (the bot token is always the fake's). */
const { rig, provider } = slackRig('socketMode');

const acked = (envelope: SlackEnvelope) => rig.fake.socket.acks.filter((a) => a.envelope_id === envelope.envelope_id);
const lastEnvelope = () => rig.fake.socket.sent.at(-1)!;

describe('slack socket mode: messages', () => {
  it('opens a connection with the app token and hands over people’s messages in the channel, each acknowledged', async () => {
    const old = rig.fake.postUserMessage(CHANNEL, ANA, '/abort (old, must not run)');
    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const p = provider({ cursor });
    await p.start(onMessage);
    expect(rig.fake.socket.hellos).toBe(1);
    const open = rig.fake.requests.filter((r) => r.method === 'apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.authorized).toBe(true);
    // A first start begins at the channel's latest message; the history is read at connecting only.
    const history = () => rig.fake.requests.filter((r) => r.method === 'conversations.history');
    await until(() => history().length === 2, 'the first start and the catch-up');
    expect(history().map((r) => r.params)).toEqual([
      { channel: CHANNEL, limit: '1' },
      { channel: CHANNEL, oldest: old.ts, inclusive: 'false', limit: '200' },
    ]);

    const first = rig.fake.postUserMessage(CHANNEL, ANA, ' /status');
    await p.send({ text: 'our own reply' });
    rig.fake.postUserMessage(OTHER, ANA, 'another channel');
    rig.fake.addMessage(CHANNEL, { user: ANA, subtype: 'channel_join', text: '<@U024BE7LH> has joined' });
    rig.fake.addMessage(CHANNEL, { subtype: 'bot_message', bot_id: 'B0OTHER', text: 'deploy finished' });
    const inThread = rig.fake.postUserMessage(CHANNEL, BOB, '/mission fix &lt;Foo&gt; &amp; bar', {
      thread_ts: first.ts,
    });
    await until(() => received.length >= 2, 'two messages');
    await until(() => rig.fake.socket.acks.length === rig.fake.socket.sent.length, 'every envelope acknowledged');

    expect(received.map((m) => m.text)).toEqual(['/status', '/mission fix <Foo> & bar']);
    expect(received[0]).toEqual({
      provider: 'slack',
      chatId: CHANNEL,
      userId: ANA,
      text: '/status',
      messageId: first.ts,
      at: Math.round(Number(first.ts) * 1000),
    });
    expect(received[1]).toMatchObject({ userId: BOB, messageId: inThread.ts });
    expect(cursor.value).toBe(inThread.ts);
    expect(history()).toHaveLength(2);

    // A reply to a message inside a thread goes to that thread's root.
    await p.send({ text: 'on it', replyTo: inThread.ts });
    await p.send({ text: 'status', replyTo: first.ts });
    expect(rig.fake.posted.slice(1).map((m) => m.thread_ts)).toEqual([first.ts, first.ts]);
  });

  it('what was written while no connection was open is read from the history at connecting, once', async () => {
    const cursor = new MemoryCursor();
    const first = collector();
    const a = provider({ cursor });
    await a.start(first.onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'm1');
    await until(() => first.received.length === 1, 'm1');
    await a.stop();
    rig.fake.postUserMessage(CHANNEL, ANA, 'm2 (while down)');

    const second = collector();
    const b = provider({ cursor });
    await b.start(second.onMessage);
    await until(() => second.received.length === 1, 'm2');
    rig.fake.socket.cut();
    const hellos = rig.fake.socket.hellos;
    rig.fake.postUserMessage(CHANNEL, BOB, 'm3 (while disconnected)');
    await until(() => rig.fake.socket.hellos > hellos, 'a new connection');
    // m4 often comes in the same read as the hello: m3, from the history, still goes first.
    const m4 = rig.fake.postUserMessage(CHANNEL, ANA, 'm4');
    await until(() => second.received.length === 3, 'm3 and m4');
    // m4 came both live and (perhaps) in the history read: handed over once either way.
    rig.fake.socket.redeliver(rig.fake.socket.sent.at(-1)!);
    await until(() => rig.fake.socket.acks.length === rig.fake.socket.sent.length, 'the acks');
    expect(second.received.map((m) => m.text)).toEqual(['m2 (while down)', 'm3 (while disconnected)', 'm4']);
    expect(cursor.value).toBe(m4.ts);
  });

  it('an envelope sent again (retry_attempt) is acknowledged and handed over once, even while the first is in hand', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const received: string[] = [];
    const p = provider();
    await p.start(async (m) => {
      received.push(m.messageId);
      if (received.length === 1) await held;
    });
    const message = rig.fake.postUserMessage(CHANNEL, ANA, '/mission once');
    const envelope = lastEnvelope();
    await until(() => received.length === 1, 'the message');
    expect(acked(envelope)).toHaveLength(0); // acknowledged only once handed over
    rig.fake.socket.redeliver(envelope);
    release();
    await until(() => acked(envelope).length === 2, 'both deliveries acknowledged');
    rig.fake.socket.redeliver(envelope, 'http_timeout');
    await until(() => acked(envelope).length === 3, 'the late one acknowledged');
    expect(received).toEqual([message.ts]);
  });
});

describe('slack socket mode: slash commands and buttons', () => {
  it('`/roshi status` is the command /status from that person; elsewhere it is refused with a word', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    const status = rig.fake.slashCommand(CHANNEL, ANA, 'status');
    const bare = rig.fake.slashCommand(CHANNEL, BOB, '');
    const elsewhere = rig.fake.slashCommand(OTHER, ANA, 'abort');
    await until(() => received.length === 2, 'two commands');
    await until(() => acked(elsewhere).length === 1, 'the refusal');
    expect(received.map((m) => [m.userId, m.text])).toEqual([
      [ANA, '/status'],
      [BOB, '/help'],
    ]);
    expect(received[0]!.messageId).toBe(status.payload.trigger_id);
    expect(received[1]!.messageId).toBe(bare.payload.trigger_id);
    expect(acked(status)).toHaveLength(1);
    expect(acked(elsewhere)[0]!.payload).toEqual({
      response_type: 'ephemeral',
      text: `roshi takes commands in <#${CHANNEL}> only.`,
    });

    // A reply to a slash command (no message to thread under) goes to the channel.
    await p.send({ text: 'all good', replyTo: received[0]!.messageId });
    expect(rig.fake.posted[0]).not.toHaveProperty('thread_ts');
  });

  it('buttons go out as an actions block; a press is the command from the person who pressed it', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    await p.send({
      text: 'mx7 running <1 min>',
      actions: [
        { label: 'Cancel', command: '/cancel mx7' },
        { label: 'Retry', command: '/retry mx7' },
      ],
    });
    const post = rig.fake.posted[0]!;
    expect(post.text).toBe('mx7 running &lt;1 min&gt;');
    expect(post.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'mx7 running &lt;1 min&gt;', verbatim: true } },
      {
        type: 'actions',
        block_id: 'roshi-actions-0',
        elements: [
          {
            type: 'button',
            action_id: 'roshi-action-0',
            text: { type: 'plain_text', text: 'Cancel', emoji: true },
            value: '/cancel mx7',
          },
          {
            type: 'button',
            action_id: 'roshi-action-1',
            text: { type: 'plain_text', text: 'Retry', emoji: true },
            value: '/retry mx7',
          },
        ],
      },
    ]);
    const press = rig.fake.pressButton(CHANNEL, BOB, post.ts, '/cancel mx7');
    await until(() => received.length === 1, 'the press');
    expect(received[0]).toMatchObject({ userId: BOB, chatId: CHANNEL, text: '/cancel mx7' });
    expect(received[0]!.messageId).toBe(press.payload.trigger_id);
    expect(acked(press)).toHaveLength(1);
    // The answer to a press threads under the message with the button.
    await p.send({ text: 'cancelled', replyTo: received[0]!.messageId });
    expect(rig.fake.posted[1]!.thread_ts).toBe(post.ts);
  });
});

describe('slack socket mode: connection', () => {
  it('a disconnect (refresh_requested) and a cut connection are reopened; nothing is lost after', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    rig.fake.socket.disconnect('refresh_requested');
    await until(() => rig.fake.socket.hellos === 2 && rig.fake.socket.connected === 1, 'a new connection');
    rig.fake.postUserMessage(CHANNEL, ANA, 'after refresh');
    await until(() => received.length === 1, 'the message');
    rig.fake.socket.cut();
    await until(() => rig.fake.socket.hellos === 3 && rig.fake.socket.connected === 1, 'a third connection');
    rig.fake.postUserMessage(CHANNEL, ANA, 'after cut');
    await until(() => received.length === 2, 'the second message');
    expect(received.map((m) => m.text)).toEqual(['after refresh', 'after cut']);
    expect(rig.fake.requests.filter((r) => r.method === 'apps.connections.open')).toHaveLength(3);
  });

  it('closed longer than silentAfter is degraded with the reason, and up again once reconnected', async () => {
    const p = provider();
    await p.start(async () => {});
    const watch = new ReceiveWatch([{ name: 'slack', silentAfterMs: 300, receiving: () => p.receiving!() }]);
    expect(watch.check(Date.now())).toEqual([]);
    expect(p.receiving!()).toEqual({ what: 'Socket Mode', lastOkAt: expect.any(Number) });

    rig.fake.socket.refuseUpgrades = true;
    rig.fake.socket.cut();
    const change = await until(() => watch.check(Date.now())[0], 'degraded');
    expect(change).toMatchObject({ name: 'slack', degraded: true });
    expect((change as { reason: string }).reason).toMatch(
      /^receiving: Socket Mode failing for \d+s: slack: Socket Mode connection failed: /,
    );

    rig.fake.socket.refuseUpgrades = false;
    await until(() => watch.check(Date.now())[0], 'up again');
    expect(watch.isDegraded('slack')).toBe(false);
    expect(rig.fake.socket.connected).toBe(1);
  });

  it('a connection that never says hello is closed after silentAfter and opened again', async () => {
    rig.fake.socket.withholdHello = true;
    const { received, onMessage } = collector();
    const p = provider({ settings: { silentAfter: 1_000 } });
    await p.start(onMessage);
    expect(p.receiving!().lastError).toBe('slack: Socket Mode connection failed: no hello from Slack within 1s');
    rig.fake.socket.withholdHello = false;
    await until(() => rig.fake.socket.hellos === 1, 'a connection with its hello');
    rig.fake.postUserMessage(CHANNEL, ANA, '/status');
    await until(() => received.length === 1, 'the message');
  });

  it('a wrong app token fails start() naming the variable, never showing the token', async () => {
    const wrong = 'xapp-1-A0ROSHI-9999999999-WrongWrongWrongWrong';
    const error = (await provider({ token: wrong })
      .start(async () => {})
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'slack: apps.connections.open refused: invalid_auth (check the app-level token in TEST_SLACK_APP: an xapp-… token with connections:write)',
    );
    expect(rig.logLines.join('')).not.toContain(wrong);
  });
});
