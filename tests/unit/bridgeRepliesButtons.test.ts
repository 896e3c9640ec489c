// Replies and buttons through the bridge (docs/chat.md#replies-and-buttons): the outbox contract
// validates replyTo and actions once; the channel threads the first piece and puts the buttons
// under the last (and sends without them if the provider refuses them for good); the router hands
// a command's buttons and chat's Markdown to the reply; the missions' approval asks get buttons.
import { describe, expect, it } from 'vitest';
import { ProviderError, type MessagingProvider, type OutboundMessage } from '../../src/adapters/messaging/types.js';
import { subjectsFor } from '../../src/bus/index.js';
import { parseOutboxMessage } from '../../src/contracts/index.js';
import { AllowList } from '../../src/bridge/allowList.js';
import { ProviderChannel } from '../../src/bridge/channel.js';
import type { BridgeApi } from '../../src/bridge/commands.js';
import { noticeActions } from '../../src/bridge/noticeActions.js';
import { Router, type ReplyExtras } from '../../src/bridge/router.js';
import { NoResponderError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { approvalNoticeId } from '../../src/missions/approval.js';
import { noticeId } from '../../src/missions/notice.js';

const CANCEL = { label: '✖ Cancel', command: '/cancel mfx3k2a1q7z' };

describe('outbox contract: replyTo and actions', () => {
  it('keeps a reply target and buttons', () => {
    expect(
      parseOutboxMessage({ kind: 'reply', text: 'ok', replyTo: '-100:7', actions: [CANCEL], provider: 'telegram' }),
    ).toMatchObject({ replyTo: '-100:7', actions: [CANCEL] });
    expect(parseOutboxMessage({ text: 'ok', actions: [] })).not.toHaveProperty('actions');
  });
  it('refuses what a provider could not show', () => {
    expect(parseOutboxMessage({ text: 'x', replyTo: 7 })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', replyTo: '' })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', actions: CANCEL })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', actions: [{ label: '', command: '/list' }] })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', actions: [{ label: 'List', command: 'list' }] })).toHaveProperty('error');
    expect(parseOutboxMessage({ text: 'x', actions: Array(9).fill(CANCEL) })).toHaveProperty('error');
  });
});

describe('noticeActions', () => {
  it('gives an approval ask Approve and Reject, for either gate', () => {
    for (const gate of ['push', 'merge'] as const)
      expect(noticeActions({ id: approvalNoticeId('mfx3k2a1q7z', gate) })).toEqual([
        { label: '👍 Approve', command: '/approve mfx3k2a1q7z' },
        { label: '👎 Reject', command: '/reject mfx3k2a1q7z' },
      ]);
  });
  it('adds none to an outcome notice (a failed one names its own Retry), and keeps actions a message names', () => {
    expect(noticeActions({ id: noticeId('mfx3k2a1q7z') })).toBeUndefined();
    expect(noticeActions({ id: 'reply-telegram-1-2-0' })).toBeUndefined();
    expect(noticeActions({ id: approvalNoticeId('mfx3k2a1q7z', 'push'), actions: [CANCEL] })).toEqual([CANCEL]);
  });
});

function recordingProvider(refuse?: (message: OutboundMessage) => boolean, repliesInThread?: boolean) {
  const sent: OutboundMessage[] = [];
  const provider: MessagingProvider = {
    name: 'fake',
    ...(repliesInThread ? { repliesInThread } : {}),
    maxLength: 100,
    defaultChatId: 'c',
    start: async () => {},
    stop: async () => {},
    send: async (message) => {
      if (refuse?.(message)) throw new ProviderError('400 Bad Request: BUTTON_DATA_INVALID', 'fake', false);
      sent.push(message);
    },
  };
  return { provider, sent };
}

describe('ProviderChannel: reply and buttons', () => {
  it('threads the first piece and puts the buttons under the last', async () => {
    const { provider, sent } = recordingProvider();
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    await channel.enqueue({ pieces: ['p1', 'p2', 'p3'], replyTo: '5:9', actions: [CANCEL] });
    expect(sent).toEqual([{ text: 'p1', replyTo: '5:9' }, { text: 'p2' }, { text: 'p3', actions: [CANCEL] }]);
  });
  it('where replies live in a thread (Slack), every piece goes into it', async () => {
    const { provider, sent } = recordingProvider(undefined, true);
    const channel = new ProviderChannel(provider, { minIntervalMs: 0, logger: silentLogger() });
    await channel.enqueue({ pieces: ['p1', 'p2'], replyTo: '5:9' });
    expect(sent).toEqual([
      { text: 'p1', replyTo: '5:9' },
      { text: 'p2', replyTo: '5:9' },
    ]);
  });
  it('refused for good with them, sends the words without them', async () => {
    const { provider, sent } = recordingProvider((m) => m.actions !== undefined);
    const channel = new ProviderChannel(provider, {
      minIntervalMs: 0,
      logger: silentLogger(),
      backoff: { initialMs: 5, maxMs: 20 },
    });
    expect(await channel.enqueue({ pieces: ['queued'], replyTo: '5:9', actions: [CANCEL] })).toBe('sent');
    expect(sent).toEqual([{ text: 'queued' }]);
  });
});

describe('Router: what a reply carries', () => {
  function world(allowed: string[]) {
    const replies: Array<{ text: string; extras?: ReplyExtras; userId: string }> = [];
    const api: BridgeApi = {
      subjects: subjectsFor('roshi'),
      request: async <T>(subject: string, payload: Record<string, unknown>) => {
        if (subject.endsWith('.add'))
          return { id: 'mfx3k2a1q7z', text: payload.text, project: 'app', status: 'pending' } as T;
        if (subject.endsWith('.cancel')) return { id: 'mfx3k2a1q7z', text: 'tidy up', status: 'cancelled' } as T;
        throw new NoResponderError(`${subject}: nobody is listening`);
      },
      now: () => 0,
      readPause: async () => undefined,
      usageFile: '/nonexistent',
      update: async () => {},
    };
    const router = new Router({
      allowList: new AllowList(allowed),
      admins: new AllowList(allowed),
      api,
      logger: silentLogger(),
      reply: async (message, text, _index, extras) =>
        void replies.push({ text, userId: message.userId, ...(extras ? { extras } : {}) }),
      chat: async () => 'the **answer**',
    });
    let n = 0;
    const say = (text: string, userId = 'ana') =>
      router.handle({ provider: 'telegram', chatId: '-100', userId, text, messageId: `-100:${++n}`, at: 0 });
    return { router, replies, say };
  }

  it('a queued mission answers with a Cancel button; a press (its command) by the operator cancels', async () => {
    const w = world(['telegram:ana']);
    await w.say('/mission tidy up');
    expect(w.replies[0]).toMatchObject({
      text: expect.stringMatching(/^⏳ queued mfx3k2a1q7z/),
      extras: { actions: [CANCEL] },
    });
    await w.say(CANCEL.command);
    expect(w.replies[1]!.text).toMatch(/^✖ cancelled mfx3k2a1q7z/);
  });

  it('a stranger’s press is refused like any message of theirs', async () => {
    const w = world(['telegram:ana']);
    await w.say(CANCEL.command, 'eve');
    expect(w.replies).toEqual([{ text: expect.stringMatching(/^⛔ Not allowed: telegram:eve/), userId: 'eve' }]);
  });

  it('chat answers go as Markdown', async () => {
    const w = world(['telegram:ana']);
    await w.say('how are things?');
    await w.router.stop();
    expect(w.replies).toEqual([{ text: 'the **answer**', userId: 'ana', extras: { format: 'markdown' } }]);
  });
});
