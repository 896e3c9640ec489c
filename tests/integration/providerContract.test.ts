// What every chat provider must do, run against Telegram, Slack and Matrix, each on its fake
// (tests/fakes/): hand over a person's text with its chat and user (ids the allow-list can
// judge), send a reply to the right chat, take the pieces the bridge cuts a long text into,
// survive a failed poll (HTTP 500) and honour a 429's retry-after, never poll faster than the
// receive floor, turn degraded when receiving fails longer than silentAfter (and up again), and
// stop cleanly. What only one provider does stays in its own test file. See docs/providers.md#tests.
import { createServer, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMatrixProvider } from '../../src/adapters/messaging/matrix.js';
import { createSlackProvider } from '../../src/adapters/messaging/slack.js';
import { createTelegramProvider } from '../../src/adapters/messaging/telegram.js';
import {
  ProviderError,
  type Cursor,
  type InboundMessage,
  type MessagingProvider,
} from '../../src/adapters/messaging/types.js';
import { AllowList } from '../../src/bridge/allowList.js';
import { ReceiveWatch } from '../../src/bridge/receiveWatch.js';
import { RECEIVE_FLOOR_MS } from '../../src/adapters/messaging/receiveLoop.js';
import { splitMessage } from '../../src/bridge/split.js';
import type { Logger } from '../../src/log.js';
import { startFakeMatrix } from '../fakes/matrix.js';
import { startFakeSlack } from '../fakes/slack.js';
import { startFakeTelegram } from '../fakes/telegram.js';
import { capturingLogger } from '../harness/logCapture.js';
import { MemoryCursor } from '../harness/memoryCursor.js';
import { until } from '../harness/until.js';

const RETRY = { minMs: 50, maxMs: 200 };

/** One provider on its fake, driven the same way whatever the service. */
interface Driver {
  /** The poll call, as "<provider>: <what> failed" names it in the log. */
  pollWhat: string;
  token: string;
  /** The user allowed on the allow-list, and one who is not, as the provider names them. */
  user: string;
  stranger: string;
  /** Where people write and replies go by default; another chat a reply may name. */
  chatId: string;
  otherChatId: string;
  /** The send call, as errors name it. */
  sendWhat: string;
  /** A provider on this fake, or on `apiUrl` (a dead one) when given. */
  create(logger: Logger, cursor: Cursor, apiUrl?: string): MessagingProvider;
  write(user: string, text: string): void;
  /** Replies as the service shows them, in order. */
  arrived(): Array<{ chatId: string; text: string }>;
  failNextPoll(status: number, retryAfterSeconds?: number): void;
  failNextSend(status: 429, retryAfterSeconds: number): void;
  /** When each poll of the receive loop reached the fake; the start-up call that skips history is not one. */
  pollTimes(): number[];
  stop(): Promise<void>;
}

async function telegramDriver(): Promise<Driver> {
  const fake = await startFakeTelegram();
  const [GROUP, OPERATOR] = [-1_001_234_567_890, 111_222_333];
  return {
    pollWhat: 'getUpdates',
    token: fake.token,
    user: String(OPERATOR),
    stranger: '999',
    chatId: String(GROUP),
    otherChatId: String(OPERATOR),
    sendWhat: 'sendMessage',
    create: (logger, cursor, apiUrl = fake.url) =>
      createTelegramProvider(
        { apiUrl, tokenEnv: 'T', chatId: String(GROUP), pollTimeout: 30_000, minInterval: 0, silentAfter: 90_000 },
        { logger, cursor, env: { T: fake.token }, retry: RETRY },
      ),
    write: (user, text) => void fake.pushMessage({ chatId: GROUP, userId: Number(user), text, chatType: 'supergroup' }),
    arrived: () => fake.sent.map((s) => ({ chatId: s.chat_id, text: s.shown })),
    failNextPoll: (status, retryAfter) =>
      fake.failNext('getUpdates', { status, description: status === 429 ? 'Too Many Requests' : 'Oops', retryAfter }),
    failNextSend: (status, retryAfter) =>
      fake.failNext('sendMessage', { status, description: 'Too Many Requests', retryAfter }),
    pollTimes: () => fake.requests.filter((r) => r.method === 'getUpdates').map((r) => r.at),
    stop: () => fake.stop(),
  };
}

async function slackDriver(): Promise<Driver> {
  const [CHANNEL, OTHER] = ['C0TESTCHAN', 'C0OTHERCHAN'];
  const fake = await startFakeSlack({ channels: [CHANNEL, OTHER] });
  return {
    pollWhat: 'conversations.history',
    token: fake.botToken,
    user: 'U024BE7LH',
    stranger: 'U0STRANGER',
    chatId: CHANNEL,
    otherChatId: OTHER,
    sendWhat: 'chat.postMessage',
    create: (logger, cursor, apiUrl = fake.url) =>
      createSlackProvider(
        {
          apiUrl,
          botTokenEnv: 'B',
          appTokenEnv: 'A',
          channel: CHANNEL,
          pollInterval: 100,
          minInterval: 0,
          silentAfter: 60_000,
        },
        { logger, cursor, env: { B: fake.botToken }, retry: RETRY },
      ),
    write: (user, text) => void fake.postUserMessage(CHANNEL, user, text),
    arrived: () => fake.posted.map((p) => ({ chatId: p.channel, text: p.text })),
    failNextPoll: (status, retryAfter) => fake.failNext('conversations.history', { status, retryAfter }),
    failNextSend: (status, retryAfter) => fake.failNext('chat.postMessage', { status, retryAfter }),
    pollTimes: () =>
      fake.requests
        .filter((r) => r.method === 'conversations.history' && r.params.oldest !== undefined)
        .map((r) => r.at),
    stop: () => fake.stop(),
  };
}

async function matrixDriver(): Promise<Driver> {
  const fake = await startFakeMatrix();
  const OTHER = '!elsewhere:fake.test';
  fake.joined.add(OTHER);
  const fault = (status: number, seconds?: number) => ({
    status,
    errcode: status === 429 ? 'M_LIMIT_EXCEEDED' : 'M_UNKNOWN',
    error: status === 429 ? 'Too many requests' : 'Internal error',
    ...(seconds !== undefined ? { retryAfterMs: seconds * 1000 } : {}),
  });
  return {
    pollWhat: '/sync',
    token: fake.token,
    user: '@ana:fake.test',
    stranger: '@mallory:fake.test',
    chatId: fake.roomId,
    otherChatId: OTHER,
    sendWhat: 'send',
    create: (logger, cursor, homeserverUrl = fake.url) =>
      createMatrixProvider(
        { homeserverUrl, tokenEnv: 'M', roomId: fake.roomId, userId: '', minInterval: 0, silentAfter: 90_000 },
        { logger, cursor, env: { M: fake.token }, retry: RETRY },
      ),
    write: (user, text) => void fake.postText(user, text),
    arrived: () => fake.sent.map((s) => ({ chatId: s.roomId, text: String(s.content.body) })),
    failNextPoll: (status, seconds) => fake.failNext('sync', fault(status, seconds)),
    failNextSend: (status, seconds) => fake.failNext('send', fault(status, seconds)),
    pollTimes: () =>
      fake.requests.filter((r) => r.path.startsWith('/sync') && r.path.includes('since=')).map((r) => r.at),
    stop: () => fake.stop(),
  };
}

/** A loopback URL nothing listens on. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe.each([
  { name: 'telegram', driver: telegramDriver },
  { name: 'slack', driver: slackDriver },
  { name: 'matrix', driver: matrixDriver },
])('provider contract: $name', ({ name, driver }) => {
  let d: Driver;
  let logger: Logger;
  let logLines: string[];
  let provider: MessagingProvider;
  let received: InboundMessage[];

  beforeEach(async () => {
    d = await driver();
    ({ logger, lines: logLines } = capturingLogger('trace'));
    received = [];
    provider = d.create(logger, new MemoryCursor());
    await provider.start(async (m) => void received.push(m));
  });

  afterEach(async () => {
    await provider.stop();
    await d.stop();
    expect(logLines.join('')).not.toContain(d.token);
  });

  it('hands over a text with its chat and user, ids the allow-list can judge', async () => {
    d.write(d.user, '/status');
    d.write(d.stranger, '/abort');
    await until(() => received.length === 2, 'both messages');
    expect(received[0]).toMatchObject({ provider: name, chatId: d.chatId, userId: d.user, text: '/status' });
    expect(received[1]).toMatchObject({ provider: name, chatId: d.chatId, userId: d.stranger, text: '/abort' });
    expect(received[0]!.messageId).not.toBe(received[1]!.messageId);
    const allowList = new AllowList([`${name}:${d.user}`]);
    expect(received.map((m) => allowList.allows(m.provider, m.userId))).toEqual([true, false]);
  });

  it('sends a reply that arrives in the right chat, and never hands its own reply back', async () => {
    expect(provider.name).toBe(name);
    expect(provider.defaultChatId).toBe(d.chatId);
    await provider.send({ text: 'to the default chat' });
    await provider.send({ chatId: d.otherChatId, text: 'to a named chat' });
    expect(d.arrived()).toEqual([
      { chatId: d.chatId, text: 'to the default chat' },
      { chatId: d.otherChatId, text: 'to a named chat' },
    ]);
    d.write(d.user, 'after the replies');
    await until(() => received.length === 1, 'the message');
    await new Promise((r) => setTimeout(r, 200));
    expect(received.map((m) => m.text)).toEqual(['after the replies']);
  });

  it('takes every piece the bridge cuts a long text into at its maxLength', async () => {
    const words = Array.from({ length: Math.ceil((provider.maxLength * 2.5) / 8) }, (_, i) => `w${i}`.padEnd(7, 'x'));
    const pieces = splitMessage(words.join(' '), provider.maxLength);
    expect(pieces.length).toBe(3);
    for (const piece of pieces) await provider.send({ text: piece });
    const arrived = d.arrived();
    expect(arrived.map((a) => a.text)).toEqual(pieces);
    expect(arrived.every((a) => a.text.length <= provider.maxLength)).toBe(true);
    expect(arrived.flatMap((a) => a.text.split(' '))).toEqual(words);
  });

  it('failed polls (HTTP 500, 503) are logged and polling goes on', async () => {
    d.failNextPoll(500);
    d.failNextPoll(503);
    d.write(d.user, 'hello');
    await until(() => received.length === 1, 'the message');
    await until(() => logLines.join('').includes(`${d.pollWhat} failed`), 'the logged failure');
    expect(received[0]!.text).toBe('hello');
    d.write(d.user, 'still there?');
    await until(() => received.length === 2, 'the next message');
    expect(received[1]!.text).toBe('still there?');
  });

  it('a 429 is honoured: the poll waits its retry-after, a send reports it', async () => {
    const t0 = Date.now();
    d.failNextPoll(429, 1);
    d.write(d.user, 'after the rate limit');
    await until(() => received.length === 1, 'the message', { timeoutMs: 10_000 });
    // Polls follow each other within the backoff (at most 240 ms) or are held open; only the
    // wait the 429 asked for leaves a gap of a second between one poll's start and the next.
    const widestGap = () => {
      const times = d.pollTimes().filter((t) => t >= t0);
      return Math.max(0, ...times.slice(1).map((t, k) => t - times[k]!));
    };
    await until(() => widestGap() >= 900, 'the poll after the retry-after', { timeoutMs: 5_000 });
    expect(logLines.join('')).toContain(`${d.pollWhat} failed`);

    d.failNextSend(429, 7);
    const error = await provider.send({ text: 'hi' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ provider: name, transient: true, retryAfterMs: 7_000 });
  });

  it('never starts two polls closer than the receive floor, even against a service that answers at once', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) d.failNextPoll(500);
    d.write(d.user, 'after the failures');
    await until(() => received.length === 1, 'the message', { timeoutMs: 10_000 });
    const times = d.pollTimes().filter((t) => t >= t0);
    expect(times.length).toBeGreaterThanOrEqual(5);
    // The fake records a poll when it reads it, a moment after the loop started it: 100 ms of slack
    // (without the floor these polls would follow each other within the 50 ms backoff).
    const gaps = times.slice(1).map((t, k) => t - times[k]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(RECEIVE_FLOOR_MS - 100);
  });

  it('turns degraded with the reason when receiving fails longer than silentAfter, and up at the next answer', async () => {
    const watch = new ReceiveWatch([{ name, silentAfterMs: 300, receiving: () => provider.receiving!() }]);
    const changes: Array<{ degraded: boolean; reason?: string }> = [];
    const check = () => changes.push(...watch.check(Date.now()).map(({ name: _n, ...c }) => c));
    await until(() => d.pollTimes().length >= 1, 'a poll');
    // Failing polls for well over 300 ms (each one at least a receive floor apart).
    for (let i = 0; i < 4; i++) d.failNextPoll(503);
    await until(
      () => {
        check();
        return changes.some((c) => c.degraded);
      },
      'degraded',
      { timeoutMs: 10_000 },
    );
    expect(changes[0]).toMatchObject({ degraded: true });
    // Failing polls, or a long poll held open past silentAfter (Telegram's is): either is named.
    const what = d.pollWhat.replace('.', '\\.');
    expect(changes[0]!.reason).toMatch(new RegExp(`^receiving: (${what} failing|no answer from ${what}) for \\d+s`));
    // The next answer (a quiet long poll answers only when something arrives): up again.
    d.write(d.user, 'after the outage');
    await until(
      () => {
        check();
        return changes.at(-1)?.degraded === false;
      },
      'up again',
      { timeoutMs: 10_000 },
    );
    await until(() => received.length === 1, 'the message', { timeoutMs: 10_000 });
    // One report each way: a degradation is told once, however long it lasts.
    expect(changes.map((c) => c.degraded)).toEqual([true, false]);
  });

  it('network failures are transient and name only the origin, never the token', async () => {
    const dead = d.create(logger, new MemoryCursor(), await deadUrl());
    const error = (await dead.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.transient).toBe(true);
    const what = d.sendWhat.replace('.', '\\.');
    expect(error.message).toMatch(
      new RegExp(`^${name}: ${what} failed: cannot reach http://127\\.0\\.0\\.1:\\d+: ECONNREFUSED$`),
    );
    expect(inspect(error)).not.toContain(d.token);
    expect(JSON.stringify(error)).not.toContain(d.token);
  });

  it('stops cleanly: the poll in flight is aborted, nothing polls afterwards, no timer is left', async () => {
    await until(() => d.pollTimes().length >= 1, 'a poll');
    const before = timers();
    const started = Date.now();
    await provider.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    // A request sent just before the stop may reach the fake a moment later; then nothing more.
    await new Promise((r) => setTimeout(r, 100));
    const polls = d.pollTimes().length;
    await new Promise((r) => setTimeout(r, 400));
    expect(d.pollTimes().length).toBe(polls);
    expect(timers()).toBeLessThanOrEqual(before);
    await provider.stop(); // idempotent
  });
});
