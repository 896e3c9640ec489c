// The router with a stand-in for the bus: strangers refused, commands run, missions queued,
// chat asked, refusals shown in their own words.
import { describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/adapters/messaging/types.js';
import { subjectsFor } from '../../src/bus/index.js';
import { AllowList } from '../../src/bridge/allowList.js';
import type { BridgeApi } from '../../src/bridge/commands.js';
import { askChat, Router, type ChatRequest } from '../../src/bridge/router.js';
import { NoResponderError, RemoteError, TimeoutError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

const subjects = subjectsFor('roshi');

function world(
  handlers: Record<string, (payload: Record<string, unknown>) => unknown> = {},
  allowed = ['console:operator'],
  options: { admins?: string[]; maxPerMinute?: number } = {},
) {
  const requests: Array<{ subject: string; payload: Record<string, unknown> }> = [];
  const replies: Array<{ chatId: string; text: string; index: number }> = [];
  const chats: ChatRequest[] = [];
  const api: BridgeApi = {
    subjects,
    request: async <T>(subject: string, payload: Record<string, unknown>) => {
      requests.push({ subject, payload });
      const handler = handlers[subject];
      if (!handler) throw new NoResponderError(`${subject}: nobody is listening`);
      return (await handler(payload)) as T;
    },
    now: () => 1_000_000,
    readPause: async () => undefined,
    usageFile: '/nonexistent/usage.jsonl',
    update: async () => {},
  };
  let now = 0;
  const router = new Router({
    allowList: new AllowList(allowed),
    admins: new AllowList(options.admins ?? allowed),
    ...(options.maxPerMinute !== undefined ? { maxPerMinute: options.maxPerMinute } : {}),
    api,
    logger: silentLogger(),
    now: () => now,
    reply: async (message, text, index) => void replies.push({ chatId: message.chatId, text, index }),
    chat: async (request) => {
      chats.push(request);
      return `echo: ${request.text}`;
    },
  });
  let id = 0;
  const say = (text: string, from: Partial<InboundMessage> = {}) =>
    router.handle({
      provider: 'console',
      chatId: 'console',
      userId: 'operator',
      text,
      messageId: String(++id),
      at: 0,
      ...from,
    });
  return { router, requests, replies, chats, say, tick: (ms: number) => (now += ms) };
}

const mission = (over: Record<string, unknown> = {}) => ({
  id: 'mabc1234xyz',
  text: 'add a file',
  project: 'app',
  status: 'pending',
  ...over,
});

describe('Router: admins, rate limit, pause bound', () => {
  it('/restart and /update by an allowed user who is not an admin are refused, and nothing is asked', async () => {
    const w = world({ [subjects.supRestart]: () => ({ from: 'running', circuitReset: false }) }, ['console:*'], {
      admins: ['console:root'],
    });
    await w.say('/restart chat', { userId: 'bob' });
    await w.say('/update', { userId: 'bob' });
    await w.say('/upgrade force', { userId: 'bob' });
    expect(w.requests).toEqual([]);
    expect(w.replies.map((r) => r.text)).toEqual([
      '⛔ /restart needs an admin: console:bob may give missions but is not in bridge.admins. Nothing was run.',
      '⛔ /update needs an admin: console:bob may give missions but is not in bridge.admins. Nothing was run.',
      '⛔ /update needs an admin: console:bob may give missions but is not in bridge.admins. Nothing was run.',
    ]);
    expect(w.router.counters.notAdmin).toBe(3);
    // The admin may; and the non-admin still may use the other commands.
    await w.say('/restart chat', { userId: 'root' });
    expect(w.requests.map((r) => r.payload)).toEqual([{ actor: 'chat', by: 'console:root' }]);
    expect(w.replies.at(-1)!.text).toBe('🔄 chat: restarting (was running)');
  });

  it('a user past maxPerMinute gets one "slow down" per window, then silence; others are not affected; the window slides', async () => {
    const w = world(
      { [subjects.missions('list')]: () => ({ missions: [], total: 0, truncated: false, counts: {}, invalid: [] }) },
      ['console:*'],
      { maxPerMinute: 3 },
    );
    for (let i = 0; i < 3; i++) {
      await w.say('/list', { userId: 'eve' });
      w.tick(1_000);
    }
    expect(w.requests).toHaveLength(3);
    for (let i = 0; i < 5; i++) await w.say('/list', { userId: 'eve' });
    expect(w.requests).toHaveLength(3);
    const slowDowns = w.replies.filter((r) => /Slow down/.test(r.text));
    expect(slowDowns.map((r) => r.text)).toEqual([
      '🐢 Slow down: at most 3 messages a minute (bridge.maxPerMinute). Nothing more from you is read until the minute has passed.',
    ]);
    expect(w.router.counters.limited).toBe(5);
    // Someone else is served meanwhile.
    await w.say('/list', { userId: 'ann' });
    expect(w.requests).toHaveLength(4);
    // The first of eve's messages leaves the window 60 s after it came: one more is read.
    w.tick(57_001);
    await w.say('/list', { userId: 'eve' });
    expect(w.requests).toHaveLength(5);
  });

  it('/pause for more than 30 days is refused at once, without asking the missions actor', async () => {
    const w = world({ [subjects.missions('pause')]: () => ({ paused: true, by: 'x', at: 0 }) });
    await w.say('/pause 45d');
    expect(w.requests).toEqual([]);
    expect(w.replies.map((r) => r.text)).toEqual([
      '⚠ a timed pause is at most 30 days, got "45d"; to pause until someone resumes, pause without a duration',
    ]);
    await w.say('/pause 2h');
    expect(w.requests.map((r) => r.payload)).toEqual([{ by: 'console:operator', for: '2h' }]);
  });

  it('a chat refused as busy says so and that commands still work', async () => {
    const text = await askChat(
      async () => {
        throw new RemoteError(
          `${subjects.chatRequest}: busy: 20 questions are already waiting for an answer; ask again in a little while`,
          'busy',
        );
      },
      subjects.chatRequest,
      { text: 'hi', chatId: 'c', userId: 'u', provider: 'console' },
      1_000,
    );
    expect(text).toBe(
      '💤 chat is busy: 20 questions are already waiting for an answer; ask again in a little while. Commands still work (/help).',
    );
  });
});

describe('Router', () => {
  it('refuses a user not on the allow-list, runs nothing, and does not repeat the refusal within a minute', async () => {
    const w = world({ [subjects.supStatus]: () => ({}) });
    await w.say('/status', { userId: 'mallory' });
    await w.say('/mission rm -rf /', { userId: 'mallory' });
    expect(w.requests).toEqual([]);
    expect(w.replies).toHaveLength(1);
    expect(w.replies[0]!.text).toMatch(/^⛔ Not allowed: console:mallory/);
    w.tick(61_000);
    await w.say('hello', { userId: 'mallory' });
    expect(w.replies).toHaveLength(2);
    expect(w.chats).toEqual([]);
    expect(w.router.counters.refused).toBe(3);
  });

  it('queues a mission from /mission, an alias, and from plain text that reads as one', async () => {
    const w = world({
      [subjects.missions('add')]: (p) => mission({ text: p.text, ...(p.project ? { project: p.project } : {}) }),
    });
    await w.say('/mission --now project:lib fix the flaky test');
    await w.say('/m add a greeting file');
    await w.say('Refactor the parser');
    expect(w.requests.map((r) => r.payload)).toEqual([
      {
        text: 'fix the flaky test',
        intake: 'console:console:1',
        source: 'chat',
        by: 'console:operator',
        project: 'lib',
        now: true,
      },
      { text: 'add a greeting file', intake: 'console:console:2', source: 'chat', by: 'console:operator' },
      { text: 'Refactor the parser', intake: 'console:console:3', source: 'chat', by: 'console:operator' },
    ]);
    expect(w.replies.map((r) => r.text)).toEqual([
      '⏳ queued mabc1234xyz [lib] fix the flaky test (at the head of the queue)',
      '⏳ queued mabc1234xyz [app] add a greeting file',
      '⏳ queued mabc1234xyz [app] Refactor the parser',
    ]);
  });

  it('turns PR commands into missions with the command in the text, and shows the store refusal', async () => {
    const w = world({
      [subjects.missions('add')]: (p) => {
        if (String(p.text).includes('/pull/42'))
          throw new RemoteError(`${subjects.missions('add')}: already queued as m1 (pending)`, 'duplicate');
        return mission({ text: p.text });
      },
    });
    await w.say('/rebase https://github.com/o/r/pull/41');
    await w.say('/rebase https://github.com/o/r/pull/42');
    await w.say('/rebase');
    expect(w.requests.map((r) => r.payload.text)).toEqual([
      '/rebase https://github.com/o/r/pull/41',
      '/rebase https://github.com/o/r/pull/42',
    ]);
    expect(w.replies.map((r) => r.text)).toEqual([
      '⏳ queued mabc1234xyz [app] /rebase https://github.com/o/r/pull/41',
      '⚠ already queued as m1 (pending)',
      expect.stringMatching(/^⚠ \/rebase needs the pull request URL/),
    ]);
  });

  it('suggests the command a typo meant', async () => {
    const w = world();
    await w.say('/stauts');
    await w.say('/xyzzy');
    expect(w.replies.map((r) => r.text)).toEqual([
      'Unknown command /stauts — did you mean /status? (/help lists them)',
      'Unknown command /xyzzy (/help lists them)',
    ]);
  });

  it('sends conversation to chat and the answer back', async () => {
    const w = world();
    await w.say('how is it going', { chatId: 'room-1' });
    await w.router.stop();
    expect(w.chats).toEqual([{ text: 'how is it going', chatId: 'room-1', userId: 'operator', provider: 'console' }]);
    expect(w.replies).toEqual([{ chatId: 'room-1', text: 'echo: how is it going', index: 0 }]);
  });

  it('handles a message the provider delivers twice only once', async () => {
    const w = world({ [subjects.missions('resume')]: () => ({}) });
    const message: InboundMessage = {
      provider: 'console',
      chatId: 'c',
      userId: 'operator',
      text: '/resume',
      messageId: 'same',
      at: 0,
    };
    await w.router.handle(message);
    await w.router.handle({ ...message });
    expect(w.requests).toHaveLength(1);
    expect(w.router.counters.duplicates).toBe(1);
  });

  it('cancels by queue position from /list', async () => {
    const w = world({
      [subjects.missions('list')]: () => ({
        missions: [mission({ id: 'first000000' }), mission({ id: 'second00000' })],
        total: 2,
        truncated: false,
        counts: {},
      }),
      [subjects.missions('cancel')]: (p) => mission({ id: p.id, status: 'cancelled' }),
    });
    await w.say('/cancel 2');
    await w.say('/cancel 7');
    expect(w.requests.filter((r) => r.subject === subjects.missions('cancel')).map((r) => r.payload)).toEqual([
      { id: 'second00000', by: 'console:operator' },
    ]);
    expect(w.replies[0]!.text).toMatch(/^✖ cancelled second00000/);
    expect(w.replies[1]!.text).toMatch(/there is no #7/);
  });

  it('says which actor does not answer instead of failing', async () => {
    const w = world();
    await w.say('/pause 2h');
    expect(w.replies[0]!.text).toMatch(/^⚠ the missions actor is not running right now/);
  });

  it('reports the status with what is known when the supervisor does not answer', async () => {
    const w = world({
      [subjects.missions('list')]: () => ({
        missions: [],
        total: 0,
        truncated: false,
        counts: { pending: 2, running: 1, done: 0, failed: 0, cancelled: 0 },
      }),
    });
    await w.say('/status');
    expect(w.replies[0]!.text).toContain('supervisor: not answering');
    expect(w.replies[0]!.text).toContain('missions: 2 pending · 1 running');
    expect(w.replies[0]!.text).toContain('dispatch: running');
  });
});

describe('askChat', () => {
  const req: ChatRequest = { text: 'hi', chatId: 'c', userId: 'u', provider: 'console' };
  const failing =
    (error: Error) =>
    async <T>(): Promise<T> => {
      throw error;
    };
  it('returns the answer text', async () => {
    expect(await askChat(async <T>() => ({ text: ' hello ' }) as T, 'roshi.chat.req', req, 1000)).toBe('hello');
    expect(await askChat(async <T>() => ({ text: '' }) as T, 'roshi.chat.req', req, 1000)).toBe(
      '(chat gave an empty answer)',
    );
  });
  it('says chat is unavailable when nobody answers', async () => {
    expect(
      await askChat(failing(new NoResponderError('roshi.chat.req: nobody is listening')), 'roshi.chat.req', req, 1000),
    ).toMatch(/chat is unavailable/);
    expect(
      await askChat(failing(new TimeoutError('roshi.chat.req: no answer')), 'roshi.chat.req', req, 135_000),
    ).toMatch(/chat is busy; its answer will follow here/);
    expect(
      await askChat(
        failing(new RemoteError('roshi.chat.req: the chat is restarting', 'unavailable')),
        'roshi.chat.req',
        req,
        1000,
      ),
    ).toBe('⚠ chat could not answer: the chat is restarting');
  });
});
