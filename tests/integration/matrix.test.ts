// The Matrix provider against the fake homeserver: the first sync skips history, only m.text
// from others in the configured room is delivered (in order), sends use a transaction id reused
// on retry (HTML and replies: matrixHtml.test.ts), limits and errors, the `since` cursor across
// restarts (a `limited` timeline's gap read back), and the token kept out of every error and log
// line.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MATRIX_MAX_LENGTH, createMatrixProvider } from '../../src/adapters/messaging/matrix.js';
import { stripReplyFallback } from '../../src/adapters/messaging/matrixTimeline.js';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { until } from '../harness/until.js';
import { ANA, BOB, matrixRig } from '../harness/matrixRig.js';
import { collector } from '../harness/providerRig.js';
import { expectWrongTokenRefused, restartOnSavedCursor, stopFromHandler } from '../harness/providerScenarios.js';
import { MemoryCursor } from '../harness/memoryCursor.js';

const { rig, settings, provider } = matrixRig();

/** The cursor a provider saved on its first start (history skipped), the provider stopped since. */
async function stoppedAfterFirstStart(): Promise<MemoryCursor> {
  const cursor = new MemoryCursor();
  const first = provider({ cursor });
  await first.start(async () => {});
  await first.stop();
  return cursor;
}

describe('matrix: commands in', () => {
  it('the first sync skips history; then only m.text from others in the room, in order', async () => {
    rig.fake.joined.add(rig.fake.roomId);
    rig.fake.postText(ANA, '/abort (history: must not run)');
    rig.fake.postText(ANA, '/restart (history: must not run)');
    const OTHER_ROOM = '!elsewhere:fake.test';
    rig.fake.joined.add(OTHER_ROOM);

    const cursor = new MemoryCursor();
    const { received, onMessage } = collector();
    const p = provider({ cursor });
    await p.start(onMessage);
    expect(cursor.value).toBeDefined();
    expect(rig.fake.requests.find((r) => r.path.startsWith('/sync'))!.path).not.toContain('since=');

    const first = rig.fake.postText(ANA, '/status');
    await p.send({ text: 'our own reply' });
    rig.fake.postText(BOB, 'a notice', { msgtype: 'm.notice' });
    rig.fake.postText(BOB, 'in another room', { roomId: OTHER_ROOM });
    rig.fake.postText(BOB, '', { type: 'm.room.member', content: { membership: 'join' } });
    rig.fake.postText(ANA, '* /status (edited)', {
      content: {
        'm.new_content': { msgtype: 'm.text', body: '/status' },
        'm.relates_to': { rel_type: 'm.replace', event_id: first.event_id },
      },
    });
    rig.fake.postText(BOB, '> <@roshi:fake.test> our own reply\n\n/mission fix the tests', {
      content: { 'm.relates_to': { 'm.in_reply_to': { event_id: '$x' } } },
    });
    rig.fake.postText(ANA, 'last');
    await until(() => received.length >= 3, 'three messages');
    await new Promise((r) => setTimeout(r, 200));

    expect(received.map((m) => m.text)).toEqual(['/status', '/mission fix the tests', 'last']);
    expect(received[0]).toEqual({
      provider: 'matrix',
      chatId: rig.fake.roomId,
      userId: ANA,
      text: '/status',
      messageId: first.event_id,
      at: first.origin_server_ts,
    });
    expect(received[1]!.userId).toBe(BOB);
    const syncs = rig.fake.requests.filter((r) => r.path.startsWith('/sync'));
    expect(syncs.every((r) => r.authorized)).toBe(true);
    expect(syncs.at(-1)!.path).toContain(`since=${encodeURIComponent(cursor.value!)}`);
  });

  it('joins the room on start and learns its own user id from whoami', async () => {
    const p = provider();
    await p.start(async () => {});
    expect(rig.fake.joined.has(rig.fake.roomId)).toBe(true);
    expect(rig.fake.requests.map((r) => r.path.split('?')[0])).toEqual(
      expect.arrayContaining(['/account/whoami', `/join/${encodeURIComponent(rig.fake.roomId)}`]),
    );
    await p.typing!(rig.fake.roomId);
    expect(rig.fake.typing).toEqual([{ roomId: rig.fake.roomId, userId: rig.fake.userId, typing: true }]);
  });

  it('an alias resolves to the room id on join', async () => {
    const { received, onMessage } = collector();
    const p = provider({ settings: { roomId: '#ops:fake.test' } });
    await p.start(onMessage);
    expect(p.defaultChatId).toBe(rig.fake.roomId);
    rig.fake.postText(ANA, 'hi');
    await until(() => received.length === 1, 'the message');
    expect(received[0]!.chatId).toBe(rig.fake.roomId);
  });
});

describe('matrix: replies out', () => {
  it('sends m.text with a fresh transaction id per message', async () => {
    const p = provider();
    await p.start(async () => {});
    expect(p.name).toBe('matrix');
    expect(p.defaultChatId).toBe(rig.fake.roomId);
    await p.send({ text: 'one' });
    await p.send({ text: '**two**', format: 'markdown' });
    expect(rig.fake.sent.map((s) => s.content)).toEqual([
      { msgtype: 'm.text', body: 'one' },
      { msgtype: 'm.text', body: '**two**', format: 'org.matrix.custom.html', formatted_body: '<strong>two</strong>' },
    ]);
    expect(rig.fake.sent[0]!.txnId).not.toBe(rig.fake.sent[1]!.txnId);
    const put = rig.fake.requests.find((r) => r.method === 'PUT' && r.path.includes('/send/m.room.message/'))!;
    expect(put.authorized).toBe(true);
  });

  it('a retried send reuses its transaction id, so an event whose answer was lost is posted once', async () => {
    const p = provider();
    await p.start(async () => {});
    // The homeserver stores the event, but the answer is lost: a transient error for the bridge.
    rig.fake.failNext('send', { status: 502, errcode: 'M_UNKNOWN', error: 'Bad gateway', afterProcessing: true });
    const error = (await p.send({ text: 'exactly once' }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toMatchObject({ provider: 'matrix', transient: true });
    // The bridge retries with a new OutboundMessage carrying the same text.
    await p.send({ text: 'exactly once' });
    const puts = rig.fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/send/'));
    expect(puts).toHaveLength(2);
    expect(puts[0]!.path).toBe(puts[1]!.path);
    expect(rig.fake.sent.map((s) => s.content.body)).toEqual(['exactly once']);

    // After a success, the same text again is a new message with a new transaction id.
    await p.send({ text: 'exactly once' });
    expect(rig.fake.sent).toHaveLength(2);
    expect(rig.fake.sent[0]!.txnId).not.toBe(rig.fake.sent[1]!.txnId);

    // A refusal posted nothing: its retry gets a fresh id too.
    rig.fake.failNext('send', { status: 400, errcode: 'M_BAD_JSON', error: 'bad' });
    await p.send({ text: 'refused first' }).catch(() => undefined);
    await p.send({ text: 'refused first' });
    const refusedPuts = rig.fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/send/')).slice(-2);
    expect(refusedPuts[0]!.path).not.toBe(refusedPuts[1]!.path);
  });

  it('accepts a message of maxLength characters (3-byte characters included)', async () => {
    const p = provider();
    await p.start(async () => {});
    expect(p.maxLength).toBe(MATRIX_MAX_LENGTH);
    await p.send({ text: '€'.repeat(p.maxLength) });
    expect((rig.fake.sent[0]!.content.body as string).length).toBe(MATRIX_MAX_LENGTH);
  });

  it('429 is transient with retryAfterMs; 4xx fails fast with errcode and error', async () => {
    const p = provider();
    await p.start(async () => {});
    rig.fake.failNext('send', {
      status: 429,
      errcode: 'M_LIMIT_EXCEEDED',
      error: 'Too Many Requests',
      retryAfterMs: 2_500,
    });
    const limited = (await p.send({ text: 'hi' }).catch((e: unknown) => e)) as ProviderError;
    expect(limited).toBeInstanceOf(ProviderError);
    expect(limited).toMatchObject({ transient: true, retryAfterMs: 2_500 });

    const forbidden = (await p
      .send({ chatId: '!notjoined:fake.test', text: 'hi' })
      .catch((e: unknown) => e)) as ProviderError;
    expect(forbidden.transient).toBe(false);
    expect(forbidden.retryAfterMs).toBeUndefined();
    expect(forbidden.message).toBe(
      `matrix: send refused: 403 M_FORBIDDEN: User ${rig.fake.userId} not in room !notjoined:fake.test (invite ${rig.fake.userId} to ${rig.fake.roomId})`,
    );
    expect(rig.fake.sent).toHaveLength(0);
  });
});

describe('matrix: since cursor across restarts', () => {
  it('a restart neither loses nor repeats a message', async () => {
    await restartOnSavedCursor(provider, (text) => rig.fake.postText(ANA, text), 200);
  });

  it('a homeserver unreachable at start: start() resolves, and the saved cursor is still used once it answers', async () => {
    const cursor = await stoppedAfterFirstStart();
    rig.fake.postText(ANA, 'sent while roshi was down');
    rig.fake.failNext('whoami', { status: 502, errcode: 'M_UNKNOWN', error: 'Bad gateway' });
    const { received, onMessage } = collector();
    await provider({ cursor }).start(onMessage);
    await until(() => received.length === 1, 'the message');
    expect(received[0]!.text).toBe('sent while roshi was down');
    expect(rig.logLines.join('')).toContain('cannot reach the homeserver yet');
  });

  it('a long absence (limited timeline) is read back from /messages, in order', async () => {
    const cursor = await stoppedAfterFirstStart();
    for (let i = 1; i <= 250; i++) rig.fake.postText(i % 2 ? ANA : BOB, `m${i}`);
    const { received, onMessage } = collector();
    await provider({ cursor }).start(onMessage);
    await until(() => received.length === 250, '250 messages');
    expect(received.map((m) => m.text)).toEqual(Array.from({ length: 250 }, (_, i) => `m${i + 1}`));
    expect(rig.fake.requests.some((r) => r.path.includes('/messages?'))).toBe(true);
  });

  it('stop() while a batch is handed over finishes the batch before the cursor moves', async () => {
    const cursor = await stoppedAfterFirstStart();
    rig.fake.postText(ANA, 'b1');
    rig.fake.postText(ANA, 'b2'); // one sync batch with both
    const seen = await stopFromHandler(provider, cursor, 'b1');
    const again = collector();
    await provider({ cursor }).start(again.onMessage);
    rig.fake.postText(ANA, 'b3');
    await until(() => again.received.length >= 1, 'b3');
    await new Promise((r) => setTimeout(r, 200));
    expect([...seen, ...again.received.map((m) => m.text)]).toEqual(['b1', 'b2', 'b3']);
  });
});

describe('matrix: the token stays secret', () => {
  it('configuration errors name the key or the variable', () => {
    const deps = { logger: rig.logger, cursor: new MemoryCursor(), env: {} };
    expect(() => createMatrixProvider(settings(), deps)).toThrow(/TEST_MATRIX_TOKEN/);
    expect(() => createMatrixProvider(settings(), deps)).toThrow(ConfigError);
    expect(() => createMatrixProvider(settings({ homeserverUrl: '' }), deps)).toThrow(/bridge\.matrix\.homeserverUrl/);
    expect(() => createMatrixProvider(settings({ roomId: 'ops' }), deps)).toThrow(/bridge\.matrix\.roomId/);
  });

  it('a wrong token fails start() with M_UNKNOWN_TOKEN, never showing the token', async () => {
    const wrong = 'syt_d3Jvbmc_WrongWrongWrongWrong_1a2b3c';
    await expectWrongTokenRefused(
      provider({ token: wrong }),
      wrong,
      'matrix: whoami refused: 401 M_UNKNOWN_TOKEN: Unrecognised access token. (check the access token in TEST_MATRIX_TOKEN)',
      rig.logLines,
    );
  });

  it('strips a reply’s quoted fallback', () => {
    expect(stripReplyFallback('> <@a:b> quoted\n> more\n\nanswer\nline 2')).toBe('answer\nline 2');
    expect(stripReplyFallback('no quote')).toBe('no quote');
  });
});
