// The Telegram provider against the fake Bot API: commands in (in order, right ids), replies
// out, MarkdownV2 escaping, limits, errors, the offset cursor across restarts, and the token
// kept out of every error and log line.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { TELEGRAM_MAX_LENGTH, createTelegramProvider } from '../../src/adapters/messaging/telegram.js';
import { escapeMarkdownV2, markdownToMarkdownV2 } from '../../src/adapters/messaging/telegramMarkdown.js';
import { RequestAborted, requestJson } from '../../src/adapters/messaging/http.js';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { parseMarkdownV2, startFakeTelegram } from '../fakes/telegram.js';
import { until } from '../harness/until.js';
import { collector } from '../harness/providerRig.js';
import { expectWrongTokenRefused, restartOnSavedCursor, stopFromHandler } from '../harness/providerScenarios.js';
import { MemoryCursor } from '../harness/memoryCursor.js';
import { GROUP, OPERATOR, telegramRig } from '../harness/telegramRig.js';

const { rig, settings, provider } = telegramRig(OPERATOR);

describe('telegram: commands in', () => {
  it('delivers text messages in order with chat, user and message ids', async () => {
    const u1 = rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: '/status', username: 'ana' });
    rig.fake.pushMessage({
      chatId: GROUP,
      userId: OPERATOR,
      text: '/mission fix the flaky test',
      username: 'ana',
      chatType: 'supergroup',
    });
    rig.fake.pushUpdate({
      message: {
        message_id: 900,
        chat: { id: OPERATOR, type: 'private' },
        date: 1,
        from: { id: OPERATOR, is_bot: false, first_name: 'Ana' },
        sticker: {},
      },
    });
    rig.fake.pushMessage({ chatId: GROUP, userId: 444, text: '/status@roshi_test_bot now', firstName: 'Bo' });
    rig.fake.pushMessage({ chatId: GROUP, userId: 444, text: '/status@some_other_bot', firstName: 'Bo' });
    const u6 = rig.fake.pushMessage({ chatId: GROUP, userId: 555, text: 'I am a bot', isBot: true });
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    await until(() => received.length >= 3, 'three messages');
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'later', username: 'ana' });
    await until(() => received.length >= 4, 'the later message');

    expect(received.map((m) => m.text)).toEqual(['/status', '/mission fix the flaky test', '/status now', 'later']);
    expect(received[0]).toEqual({
      provider: 'telegram',
      chatId: String(OPERATOR),
      userId: String(OPERATOR),
      userName: 'ana',
      text: '/status',
      messageId: `${OPERATOR}:${u1.message!.message_id}`,
      at: u1.message!.date * 1000,
    });
    expect(received[1]!.chatId).toBe(String(GROUP));
    expect(received[2]).toMatchObject({ chatId: String(GROUP), userId: '444', userName: 'Bo' });
    expect(new Set(received.map((m) => m.messageId)).size).toBe(4);

    const polls = rig.fake.requests.filter((r) => r.method === 'getUpdates');
    expect(polls[0]!.body).toMatchObject({ timeout: 1, allowed_updates: ['message', 'callback_query'] });
    expect(polls[0]!.body.offset).toBeUndefined();
    expect(polls[1]!.body.offset).toBe(u6.update_id + 1);
    expect(rig.fake.requests.every((r) => r.authorized && !r.path.includes(rig.fake.token))).toBe(true);
  });

  it('the same provider can be stopped and started again (as the bridge does after a failure)', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    await p.stop();
    await p.stop(); // idempotent
    await p.start(onMessage);
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'after restart' });
    await until(() => received.length === 1, 'the message');
    await expect(p.start(onMessage)).rejects.toThrow(/already started/);
  });

  it('a handler that throws gets the message again, and the stream goes on', async () => {
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'one' });
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'two' });
    const seen: string[] = [];
    let failedOnce = false;
    await provider().start(async (m) => {
      seen.push(m.text);
      if (m.text === 'one' && !failedOnce) {
        failedOnce = true;
        throw new Error('bus down');
      }
    });
    await until(() => seen.includes('two'), 'the second message');
    expect(seen).toEqual(['one', 'one', 'two']);
  });
});

describe('telegram: replies out', () => {
  it('sends plain text to the configured chat or a named one, without parse_mode', async () => {
    const p = provider();
    expect(p.name).toBe('telegram');
    expect(p.defaultChatId).toBe(String(OPERATOR));
    await p.send({ text: 'Mission done (1.5 min) - all *fine*!' });
    await p.send({ chatId: String(GROUP), text: 'to the group', format: 'plain' });
    expect(rig.fake.sent.map(({ chat_id, text, parse_mode }) => ({ chat_id, text, parse_mode }))).toEqual([
      { chat_id: String(OPERATOR), text: 'Mission done (1.5 min) - all *fine*!', parse_mode: undefined },
      { chat_id: String(GROUP), text: 'to the group', parse_mode: undefined },
    ]);
    await p.typing!(String(OPERATOR));
    expect(rig.fake.actions).toEqual([{ chat_id: String(OPERATOR), action: 'typing' }]);
  });

  it('no chat configured and none named: a permanent error, nothing sent', async () => {
    const p = provider({ settings: { chatId: '' } });
    expect(p.defaultChatId).toBeUndefined();
    const error = await p.send({ text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).transient).toBe(false);
    expect(rig.fake.sent).toHaveLength(0);
  });

  it('accepts a message of exactly maxLength characters, escapes included', async () => {
    const p = provider();
    expect(p.maxLength).toBe(TELEGRAM_MAX_LENGTH);
    await p.send({ text: 'x'.repeat(p.maxLength) });
    // Every character reserved: twice as long on the wire, 4096 as shown.
    await p.send({ text: '.-!#'.repeat(p.maxLength / 4), format: 'markdown' });
    expect(rig.fake.sent).toHaveLength(2);
    expect(rig.fake.sent[0]!.shown).toHaveLength(4096);
    expect(rig.fake.sent[1]!.shown).toHaveLength(4096);
    expect(rig.fake.sent[1]!.text).toHaveLength(8192);
  });

  it('rate limit: a transient ProviderError with retryAfterMs from parameters.retry_after', async () => {
    rig.fake.failNext('sendMessage', { status: 429, description: 'Too Many Requests: retry after 7', retryAfter: 7 });
    const error = (await provider()
      .send({ text: 'hi' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.provider).toBe('telegram');
    expect(error.transient).toBe(true);
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.message).toContain('Too Many Requests');
  });

  it('permanent errors carry Telegram’s description; 5xx is transient', async () => {
    const p = provider();
    rig.fake.failNext('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    const blocked = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(blocked.transient).toBe(false);
    expect(blocked.retryAfterMs).toBeUndefined();
    expect(blocked.message).toBe('telegram: sendMessage refused: 403 Forbidden: bot was blocked by the user');

    rig.fake.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' });
    const notFound = (await p.send({ chatId: '42', text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(notFound.transient).toBe(false);
    expect(notFound.message).toContain('Bad Request: chat not found');

    rig.fake.failNext('sendMessage', { status: 502, description: 'Bad Gateway' });
    const gateway = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(gateway.transient).toBe(true);
    expect(rig.fake.sent).toHaveLength(0);
  });
});

describe('telegram: MarkdownV2', () => {
  it('escapes every reserved character of plain text', () => {
    const all = '_*[]()~`>#+-=|{}.!\\';
    expect(escapeMarkdownV2(all)).toBe('\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\');
    expect(parseMarkdownV2(escapeMarkdownV2(all))).toEqual({ text: all });
  });

  it('keeps Markdown formatting as entities and escapes the rest', () => {
    const md =
      '**Mission done** in 2.5 min (fix_the_bug) - see [PR #12](https://github.com/o/r/pull/12?a=b) and `a_b*c`!';
    expect(markdownToMarkdownV2(md)).toBe(
      '*Mission done* in 2\\.5 min \\(fix\\_the\\_bug\\) \\- see [PR \\#12](https://github.com/o/r/pull/12?a=b) and `a_b*c`\\!',
    );
    const block = '# Result\n- one\n- two_x\n```ts\nconst a = `x` + 1;\n```\n> quoted _it_';
    const converted = markdownToMarkdownV2(block);
    expect(converted).toBe('*Result*\n• one\n• two\\_x\n```ts\nconst a = \\`x\\` + 1;\n```\n>quoted _it_');
    expect('error' in parseMarkdownV2(converted)).toBe(false);
  });

  it('sends markdown with parse_mode MarkdownV2 that Telegram parses, shown as meant', async () => {
    const p = provider();
    await p.send({ text: 'Done: *fix_bug* (1.2) - ok! a\\b', format: 'markdown' });
    expect(rig.fake.sent[0]).toMatchObject({
      parse_mode: 'MarkdownV2',
      text: 'Done: _fix\\_bug_ \\(1\\.2\\) \\- ok\\! a\\\\b',
      shown: 'Done: fix_bug (1.2) - ok! a\\b',
    });
  });

  it('falls back to plain text when Telegram cannot parse the entities', async () => {
    rig.fake.failNext('sendMessage', {
      status: 400,
      description:
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    });
    await provider().send({ text: 'odd *markdown*.', format: 'markdown' });
    expect(rig.fake.sent).toHaveLength(1);
    expect(rig.fake.sent[0]!.text).toBe('odd *markdown*.');
    expect(rig.fake.sent[0]!.parse_mode).toBeUndefined();
  });
});

describe('telegram: offset across restarts', () => {
  it('a restart with the saved offset neither loses nor repeats a message', async () => {
    const post = (text: string) => rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text });
    const { m2, cursorAtStop } = await restartOnSavedCursor(provider, post, 200);
    expect(cursorAtStop).toBe(String(m2.update_id + 1));
  });

  it('stopped in the middle of a batch Telegram never saw confirmed: the cursor alone prevents repeats', async () => {
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'b1' });
    const u2 = rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'b2' });
    rig.fake.pushMessage({ chatId: OPERATOR, userId: OPERATOR, text: 'b3' });
    const cursor = new MemoryCursor();
    const seen = await stopFromHandler(provider, cursor, 'b2');
    expect(seen).toEqual(['b1', 'b2']);
    expect(cursor.value).toBe(String(u2.update_id + 1));
    // Telegram still holds all three: no getUpdates confirmed them.
    expect(rig.fake.pending().map((u) => u.message?.text)).toEqual(['b1', 'b2', 'b3']);

    const again = collector();
    await provider({ cursor }).start(again.onMessage);
    await until(() => again.received.length === 1, 'b3');
    await new Promise((r) => setTimeout(r, 200));
    expect(again.received.map((m) => m.text)).toEqual(['b3']);
  });
});

describe('telegram: the token stays secret', () => {
  it('a missing token variable is a ConfigError naming the variable', () => {
    const create = () =>
      createTelegramProvider(settings(), { logger: rig.logger, cursor: new MemoryCursor(), env: {} });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/TEST_TELEGRAM_TOKEN/);
    expect(create).toThrow(/bridge\.telegram\.tokenEnv/);
  });

  it('a wrong token fails start() with Telegram’s answer, not the token', async () => {
    const wrong = '987654321:AAwrongWrongWrongWrongWrongWrong00';
    const message = 'telegram: getMe refused: 401 Unauthorized (check the bot token in TEST_TELEGRAM_TOKEN)';
    await expectWrongTokenRefused(provider({ token: wrong }), wrong, message, rig.logLines);
  });

  it('start() against a dead API resolves, and the loop logs (without the token) and retries', async () => {
    // The send's error against a dead API is in providerContract.test.ts.
    const dead = await startFakeTelegram({ token: rig.fake.token });
    const deadUrl = dead.url;
    await dead.stop();
    const p = provider({ settings: { apiUrl: deadUrl } });
    await p.start(async () => {});
    await until(() => rig.logLines.join('').includes('getUpdates failed'), 'a logged poll failure');
  });

  it('a request that gets no answer times out as a transient error; stop() aborts a long poll at once', async () => {
    const request = (timeoutMs: number, signal?: AbortSignal) =>
      requestJson({
        provider: 'telegram',
        what: 'getUpdates',
        method: 'POST',
        url: `${rig.fake.url}/bot${rig.fake.token}/getUpdates`,
        body: { timeout: 5 },
        timeoutMs,
        ...(signal ? { signal } : {}),
        secrets: [rig.fake.token],
      });
    const slow = (await request(200).catch((e: unknown) => e)) as ProviderError;
    expect(slow).toBeInstanceOf(ProviderError);
    expect(slow.transient).toBe(true);
    expect(slow.message).toMatch(
      /^telegram: getUpdates failed: cannot reach http:\/\/127\.0\.0\.1:\d+: no answer within 200ms$/,
    );

    const stop = new AbortController();
    const pending = request(10_000, stop.signal).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 100);
    expect(await pending).toBeInstanceOf(RequestAborted);

    // A two-minute long poll: were it not aborted, stop() would outlast the test's timeout.
    const p = provider({ settings: { pollTimeout: 120_000 } });
    await p.start(async () => {});
    await until(() => rig.fake.requests.filter((r) => r.method === 'getUpdates').length >= 3, 'the provider polling');
    await p.stop();
  });
});
