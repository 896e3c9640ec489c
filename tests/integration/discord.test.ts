// The Discord provider against the fake (REST + Gateway, tests/fakes/discord.ts): people's
// messages in over the Gateway (first start skips history; bots, webhooks, our own posts and other
// channels ignored), a restart on the saved cursor, replies out escaped, as replies, with buttons
// whose press comes back as the presser's command, long answers split at 2000, and a 429's wait
// honoured. Reconnects, health and tokens: discordSession.test.ts. See docs/chat.md#discord.
import { describe, expect, it } from 'vitest';
import { GATEWAY_INTENTS } from '../../src/adapters/messaging/discordGateway.js';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { splitMessage } from '../../src/bridge/split.js';
import { ANA, BOB, CHANNEL, OTHER, discordRig, settle, texts } from '../harness/discordRig.js';
import { MemoryCursor } from '../harness/memoryCursor.js';
import { collector } from '../harness/providerRig.js';
import { restartOnSavedCursor } from '../harness/providerScenarios.js';
import { until } from '../harness/until.js';

const { rig, provider } = discordRig();

describe('discord: messages in over the Gateway', () => {
  it('first start skips history; then people’s messages arrive in order, others ignored', async () => {
    rig.fake.postUserMessage(CHANNEL, ANA, '/abort (old, must not run again)');
    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const p = provider({ cursor });
    await p.start(onMessage);
    expect(cursor.value).toBe(rig.fake.history(CHANNEL).at(-1)!.id);
    expect(rig.fake.gateway.record.identifies).toEqual([{ intents: GATEWAY_INTENTS, at: expect.any(Number) }]);

    const first = rig.fake.postUserMessage(CHANNEL, ANA, ` <@${rig.fake.bot.id}> /status`, {
      author: { id: ANA, username: 'ana', global_name: 'Ana' },
    });
    rig.fake.postUserMessage(CHANNEL, '90000000000000001', 'deploy finished', {
      author: { id: '90000000000000001', username: 'ci', bot: true },
    });
    rig.fake.postUserMessage(CHANNEL, '90000000000000002', 'from a webhook', { webhook_id: '90000000000000003' });
    rig.fake.postUserMessage(CHANNEL, ANA, 'ana joined', { type: 7 });
    await p.send({ text: 'our own reply' });
    rig.fake.postUserMessage(OTHER, ANA, 'another channel');
    rig.fake.postUserMessage(CHANNEL, BOB, '/mission fix foo_bar *now*');
    await until(() => received.length >= 2, 'two messages');
    await settle();

    expect(texts(received)).toEqual(['/status', '/mission fix foo_bar *now*']);
    expect(received[0]).toEqual({
      provider: 'discord',
      chatId: CHANNEL,
      userId: ANA,
      userName: 'Ana',
      text: '/status',
      messageId: first.id,
      at: Date.parse(first.timestamp),
    });
    expect(received[1]).toMatchObject({ userId: BOB, chatId: CHANNEL });
    expect(cursor.value).toBe(rig.fake.history(CHANNEL).at(-1)!.id);
    // Heartbeats carry the last sequence number seen.
    await until(() => rig.fake.gateway.record.heartbeats.some((s) => typeof s === 'number' && s > 1), 'a heartbeat');
  });

  it('a restart neither loses nor repeats a message: what came while down is read from history', async () => {
    const post = (text: string) => rig.fake.postUserMessage(CHANNEL, ANA, text);
    const { m2, cursorAtStop, first } = await restartOnSavedCursor(provider, post, 300);
    expect(cursorAtStop).toBe(m2.id);
    expect(texts(first.received)).toEqual(['m1', 'm2']);
  });

  it('reads a backlog of several pages oldest first', async () => {
    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const a = provider({ cursor });
    await a.start(onMessage);
    await a.stop();
    for (let i = 1; i <= 250; i++) rig.fake.postUserMessage(CHANNEL, ANA, `m${i}`);
    await provider({ cursor }).start(onMessage);
    await until(() => received.length === 250, '250 messages');
    expect(texts(received)).toEqual(Array.from({ length: 250 }, (_, i) => `m${i + 1}`));
  });
});

describe('discord: replies out', () => {
  it('plain text escaped, markdown as written, no mass mentions, to the channel or a named one', async () => {
    const p = provider();
    expect(p).toMatchObject({ name: 'discord', maxLength: 2000, defaultChatId: CHANNEL });
    await p.send({ text: 'a *b* _c_ @everyone > d' });
    await p.send({ text: '**done** in `2m`', format: 'markdown' });
    await p.send({ chatId: OTHER, text: 'elsewhere' });
    expect(rig.fake.posted.map(({ channel_id, content }) => ({ channel_id, content }))).toEqual([
      { channel_id: CHANNEL, content: 'a \\*b\\* \\_c\\_ @everyone > d' },
      { channel_id: CHANNEL, content: '**done** in `2m`' },
      { channel_id: OTHER, content: 'elsewhere' },
    ]);
    expect(rig.fake.posted[0]!.allowed_mentions).toEqual({ parse: [], replied_user: true });
    const post = rig.fake.requests.find((r) => r.method === 'POST' && r.path.endsWith('/messages'))!;
    expect(post.authorized).toBe(true);
  });

  it('a reply references the operator’s message', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    const asked = rig.fake.postUserMessage(CHANNEL, ANA, 'how is it going?');
    await until(() => received.length === 1, 'the question');
    await p.send({ text: 'fine', replyTo: received[0]!.messageId });
    expect(rig.fake.posted.at(-1)).toMatchObject({
      type: 19,
      content: 'fine',
      message_reference: { message_id: asked.id, fail_if_not_exists: false },
    });
  });

  it('buttons go out with the message; a press is acknowledged and arrives as the presser’s command', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    await p.send({
      text: '⏳ queued mx7g',
      actions: [
        { label: 'Cancel', command: '/cancel mx7g' },
        { label: 'Retry', command: '/retry mx7g' },
      ],
    });
    const notice = rig.fake.posted.at(-1)!;
    expect(notice.components).toEqual([
      {
        type: 1,
        components: [
          { type: 2, style: 2, label: 'Cancel', custom_id: '/cancel mx7g' },
          { type: 2, style: 2, label: 'Retry', custom_id: '/retry mx7g' },
        ],
      },
    ]);
    const pressId = rig.fake.pressButton(CHANNEL, BOB, notice.id, '/cancel mx7g');
    rig.fake.pressButton(OTHER, BOB, notice.id, '/retry mx7g'); // not our channel: ignored
    await until(() => received.length === 1, 'the press');
    expect(received[0]).toMatchObject({
      provider: 'discord',
      chatId: CHANNEL,
      userId: BOB,
      text: '/cancel mx7g',
      messageId: `press:${pressId}@${notice.id}`,
    });
    // The answer to a press replies to the message that carried the button.
    await p.send({ text: '✖ cancelled mx7g', replyTo: received[0]!.messageId });
    expect(rig.fake.posted.at(-1)!.message_reference).toEqual({ message_id: notice.id, fail_if_not_exists: false });
    expect(rig.fake.interactionAnswers).toEqual([{ interactionId: pressId, type: 6 }]);
    await settle();
    expect(received).toHaveLength(1);
  });

  it('a long answer split at the provider’s maxLength arrives whole, every piece accepted', async () => {
    const p = provider();
    const words = Array.from({ length: 700 }, (_, i) => (i % 5 === 0 ? `*w${i}_` : `w${i}`).padEnd(7, 'x'));
    const pieces = splitMessage(words.join(' '), p.maxLength);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    for (const piece of pieces) await p.send({ text: piece });
    expect(rig.fake.posted).toHaveLength(pieces.length);
    expect(rig.fake.posted.every((m) => m.content.length <= 2000)).toBe(true);
    const unescaped = rig.fake.posted.map((m) => m.content.replace(/\\(.)/g, '$1'));
    expect(unescaped.flatMap((t) => t.split(' '))).toEqual(words);
    // Even a piece that is all markdown characters fits: escapes stop at the limit.
    await p.send({ text: '*'.repeat(2000) });
    expect(rig.fake.posted.at(-1)!.content).toHaveLength(2000);
  });

  it('429 is transient with retryAfterMs from retry_after; a 4xx is permanent with Discord’s message', async () => {
    const p = provider();
    rig.fake.failNext('createMessage', { status: 429, retryAfter: 2.5 });
    const limited = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ provider: 'discord', transient: true, retryAfterMs: 2_500 });
    rig.fake.failNext('createMessage', { status: 503 });
    expect(await p.send({ text: 'hi' }).catch((e: unknown) => e)).toMatchObject({ transient: true });
    const unknown = (await p
      .send({ chatId: '1199999999999999999', text: 'hi' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(unknown.transient).toBe(false);
    expect(unknown.message).toBe(
      `discord: createMessage refused: 404 Unknown Channel (code 10003) (no channel ${CHANNEL}: check bridge.discord.channelId)`,
    );
    expect(rig.fake.posted).toHaveLength(0);
  });

  it('a 429 while catching up is waited out, then reading goes on', async () => {
    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const a = provider({ cursor });
    await a.start(onMessage);
    await a.stop();
    rig.fake.postUserMessage(CHANNEL, ANA, 'while down');
    rig.fake.failNext('getChannelMessages', { status: 429, retryAfter: 1 });
    const t0 = Date.now();
    await provider({ cursor }).start(onMessage);
    await until(() => received.length === 1, 'the message', { timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    const reads = rig.fake.requests.filter((r) => r.path.includes('/messages?after=') && r.at >= t0);
    expect(reads.length).toBe(2);
    expect(reads[1]!.at - reads[0]!.at).toBeGreaterThanOrEqual(950);
    expect(rig.logLines.join('')).toContain('reading the channel history failed');
  });
});
