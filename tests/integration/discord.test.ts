// The Discord provider against the fake (REST + Gateway, tests/fakes/discord.ts): people's
// messages in over the Gateway (first start skips history; bots, webhooks, our own posts and other
// channels ignored), replies out escaped, as replies, with buttons whose press comes back as the
// presser's command, long answers split at 2000, a 429's wait honoured, reconnect/resume and a
// lost session caught up from history without loss or duplicate, a restart on the saved cursor,
// honest receive health, and the token kept out of every error and log line.
import { describe, expect, it } from 'vitest';
import { createDiscordProvider, type DiscordSettings } from '../../src/adapters/messaging/discord.js';
import { GATEWAY_INTENTS } from '../../src/adapters/messaging/discordGateway.js';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { ReceiveWatch } from '../../src/bridge/receiveWatch.js';
import { splitMessage } from '../../src/bridge/split.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { MemoryCursor } from '../harness/memoryCursor.js';
import { collector, providerMaker, providerRig } from '../harness/providerRig.js';
import { expectWrongTokenRefused, restartOnSavedCursor } from '../harness/providerScenarios.js';
import { until } from '../harness/until.js';

const CHANNEL = '1100000000000000001';
const OTHER = '1100000000000000002';
const ANA = '80351110224678912';
const BOB = '80351110224678913';

const rig = providerRig<FakeDiscord>(
  () => startFakeDiscord({ channels: [CHANNEL, OTHER], heartbeatMs: 150 }),
  (fake) => [fake.token],
);

function settings(overrides: Partial<DiscordSettings> = {}): DiscordSettings {
  return {
    apiUrl: rig.fake.apiUrl,
    gatewayUrl: '',
    tokenEnv: 'TEST_DISCORD_TOKEN',
    channelId: CHANNEL,
    minInterval: 0,
    silentAfter: 90_000,
    ...overrides,
  };
}

const provider = providerMaker(rig, createDiscordProvider, settings, (token) => ({
  TEST_DISCORD_TOKEN: token ?? rig.fake.token,
}));

const texts = (received: Array<{ text: string }>) => received.map((m) => m.text);
const settle = () => new Promise((r) => setTimeout(r, 300));

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
      messageId: `press:${pressId}`,
    });
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

describe('discord: reconnects', () => {
  it('op 7 and a dropped connection are resumed: what came meanwhile arrives once, in order', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'one');
    await until(() => received.length === 1, 'one');

    rig.fake.gateway.requestReconnect();
    await until(() => rig.fake.gateway.record.resumes.length === 1, 'a resume');
    rig.fake.postUserMessage(CHANNEL, ANA, 'two');
    await until(() => received.length === 2, 'two');

    rig.fake.gateway.dropConnections();
    rig.fake.postUserMessage(CHANNEL, ANA, 'three (while dropped)');
    rig.fake.postUserMessage(CHANNEL, ANA, 'four (while dropped)');
    await until(() => rig.fake.gateway.record.resumes.length === 2, 'the second resume');
    rig.fake.postUserMessage(CHANNEL, ANA, 'five');
    await until(() => received.length === 5, 'five messages');
    await settle();
    expect(texts(received)).toEqual(['one', 'two', 'three (while dropped)', 'four (while dropped)', 'five']);
    const { identifies, resumes } = rig.fake.gateway.record;
    expect(identifies).toHaveLength(1);
    expect(resumes.map((r) => ({ sessionId: r.sessionId, path: r.path }))).toEqual([
      { sessionId: 'session-1', path: '/resume' },
      { sessionId: 'session-1', path: '/resume' },
    ]);
    expect(resumes[1]!.seq).toBeGreaterThan(1);
  });

  it('an invalid session is identified afresh and caught up from history, nothing twice', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'before');
    await until(() => received.length === 1, 'before');
    rig.fake.gateway.invalidateSessions(false);
    rig.fake.postUserMessage(CHANNEL, ANA, 'in the gap');
    await until(() => rig.fake.gateway.record.identifies.length === 2, 'a fresh identify');
    rig.fake.postUserMessage(CHANNEL, ANA, 'after');
    await until(() => received.length === 3, 'three messages');
    await settle();
    expect(texts(received)).toEqual(['before', 'in the gap', 'after']);
  });

  it('a connection whose heartbeats go unanswered is dropped and resumed', async () => {
    const p = provider();
    await p.start(async () => {});
    rig.fake.gateway.ackHeartbeats = false;
    await until(() => rig.fake.gateway.record.resumes.length >= 1, 'a resume after the missed ACK');
    rig.fake.gateway.ackHeartbeats = true;
    expect(rig.logLines.join('')).toContain('gateway connection lost');
  });

  it('turns degraded with the reason while the Gateway is unreachable, and up once it is back', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    const watch = new ReceiveWatch([{ name: 'discord', silentAfterMs: 400, receiving: () => p.receiving!() }]);
    const changes: Array<{ degraded: boolean; reason?: string }> = [];
    const check = () => changes.push(...watch.check(Date.now()).map(({ name: _n, ...c }) => c));
    rig.fake.gateway.refuseConnections = true;
    rig.fake.gateway.dropConnections();
    await until(
      () => {
        check();
        return changes.some((c) => c.degraded);
      },
      'degraded',
      { timeoutMs: 10_000 },
    );
    expect(changes[0]!.reason).toMatch(/^receiving: gateway failing for \d+s: gateway closed: /);
    rig.fake.postUserMessage(CHANNEL, ANA, 'after the outage');
    rig.fake.gateway.refuseConnections = false;
    await until(
      () => {
        check();
        return changes.at(-1)?.degraded === false;
      },
      'up again',
      { timeoutMs: 10_000 },
    );
    await until(() => received.length === 1, 'the message');
    expect(changes.map((c) => c.degraded)).toEqual([true, false]);
  });
});

describe('discord: tokens stay secret', () => {
  it('a wrong token fails start() with 401, never showing the token', async () => {
    const wrong = 'MTk5OTk5OTk5OTk5OTk5OTk5OQ.XyZaBc.WrongWrongWrongWrongWrongWrong000';
    const message =
      'discord: getCurrentUser refused: 401 401: Unauthorized (check the bot token in TEST_DISCORD_TOKEN)';
    await expectWrongTokenRefused(provider({ token: wrong }), wrong, message, rig.logLines);
  });

  it('a token the Gateway refuses (4004) fails start(), never showing it', async () => {
    const wrong = 'MTk5OTk5OTk5OTk5OTk5OTk5OQ.XyZaBc.GatewayOnlyWrongToken00000000000';
    // REST is unreachable at start (only logged); the Gateway, reached directly, refuses the token.
    rig.fake.failNext('getCurrentUser', { status: 503 });
    rig.fake.failNext('getChannelMessages', { status: 503 });
    const p = provider({ token: wrong, settings: { gatewayUrl: rig.fake.gatewayUrl } });
    const error = (await p.start(async () => {}).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'discord: gateway refused: 4004 authentication failed (check the bot token in TEST_DISCORD_TOKEN)',
    );
    expect(rig.logLines.join('')).not.toContain(wrong);
  });

  it('stops cleanly: the connection closed, no timer left, idempotent', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const p = provider();
    await p.start(async () => {});
    await until(() => rig.fake.gateway.live === 1, 'connected');
    await p.stop();
    await until(() => rig.fake.gateway.live === 0, 'disconnected');
    expect(timers()).toBeLessThanOrEqual(before);
    await p.stop();
  });
});
