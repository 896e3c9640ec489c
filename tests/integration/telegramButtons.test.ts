// The Telegram provider's native parts against the fake Bot API: replies threaded with
// reply_parameters, buttons as an inline keyboard, a press arriving as the presser's command
// (answered with answerCallbackQuery), and the command menu (setMyCommands).
import { describe, expect, it } from 'vitest';
import { CALLBACK_DATA_MAX_BYTES } from '../../src/adapters/messaging/telegram.js';
import { until } from '../harness/until.js';
import { collector } from '../harness/providerRig.js';
import { GROUP, OPERATOR, telegramRig } from '../harness/telegramRig.js';

const STRANGER = 999_000_111;

const { rig, provider } = telegramRig(GROUP);

describe('telegram: replies and buttons', () => {
  it('threads a reply to the operator’s message and puts the buttons under it', async () => {
    const { received, onMessage } = collector();
    const p = provider();
    await p.start(onMessage);
    const asked = rig.fake.pushMessage({
      chatId: GROUP,
      userId: OPERATOR,
      text: '/mission tidy up',
      chatType: 'group',
    });
    await until(() => received.length === 1, 'the command');
    await p.send({
      chatId: received[0]!.chatId,
      text: '⏳ queued mfx3k2a1q7z [app] tidy up',
      replyTo: received[0]!.messageId,
      actions: [{ label: '✖ Cancel', command: '/cancel mfx3k2a1q7z' }],
    });
    expect(rig.fake.sent[0]).toMatchObject({
      chat_id: String(GROUP),
      reply_to: asked.message!.message_id,
      inline_keyboard: [[{ text: '✖ Cancel', callback_data: '/cancel mfx3k2a1q7z' }]],
    });
    const body = rig.fake.requests.find((r) => r.method === 'sendMessage')!.body;
    expect(body.reply_parameters).toEqual({ message_id: asked.message!.message_id, allow_sending_without_reply: true });
  });

  it('a reply to a message that is gone is still sent; a command too long for callback_data gets no button', async () => {
    const p = provider();
    const long = `/reject mfx3k2a1q7z ${'because '.repeat(10)}`;
    expect(Buffer.byteLength(long)).toBeGreaterThan(CALLBACK_DATA_MAX_BYTES);
    await p.send({
      text: 'answer',
      replyTo: `${GROUP}:987654`,
      actions: [
        { label: 'Approve', command: '/approve mfx3k2a1q7z' },
        { label: 'Reject', command: long },
      ],
    });
    expect(rig.fake.sent[0]).toMatchObject({
      reply_to: 987654,
      inline_keyboard: [[{ text: 'Approve', callback_data: '/approve mfx3k2a1q7z' }]],
    });
    expect(rig.logLines.join('')).toContain('button left out');
    // No buttons and no reply: neither field is sent.
    await p.send({ text: 'plain notice' });
    const last = rig.fake.requests.filter((r) => r.method === 'sendMessage').at(-1)!.body;
    expect(last.reply_parameters).toBeUndefined();
    expect(last.reply_markup).toBeUndefined();
  });

  it('a press arrives as the PRESSING user sending the button’s command, once, and is answered', async () => {
    const p = provider();
    await p.send({ text: 'queued', actions: [{ label: '✖ Cancel', command: '/cancel mfx3k2a1q7z' }] });
    const message = rig.fake.sent[0]!;
    const { received, onMessage } = collector();
    await p.start(onMessage);
    const press = rig.fake.pressButton({ userId: STRANGER, message, data: '/cancel mfx3k2a1q7z', username: 'eve' });
    await until(() => received.length === 1, 'the press');
    expect(received[0]).toMatchObject({
      provider: 'telegram',
      chatId: String(GROUP),
      userId: String(STRANGER),
      userName: 'eve',
      text: '/cancel mfx3k2a1q7z',
      messageId: `callback:${press.callback_query!.id}@${message.message_id}`,
    });
    await until(() => rig.fake.answeredCallbacks.length === 1, 'answerCallbackQuery');
    expect(rig.fake.answeredCallbacks).toEqual([press.callback_query!.id]);

    // A second press is a second query id: a message of its own for the router to judge.
    rig.fake.pressButton({ userId: OPERATOR, message, data: '/cancel mfx3k2a1q7z' });
    await until(() => received.length === 2, 'the second press');
    expect(received[1]!.userId).toBe(String(OPERATOR));
    expect(received[1]!.messageId).not.toBe(received[0]!.messageId);
    // The answer to a press threads to the message that carried the button.
    await p.send({ text: 'cancelled', replyTo: received[1]!.messageId });
    expect(rig.fake.sent.at(-1)!.reply_to).toBe(message.message_id);
  });
});

describe('telegram: command menu', () => {
  it('registers the menu with setMyCommands, leaving out names Telegram refuses', async () => {
    const p = provider();
    await p.registerCommands!([
      { command: 'mission', description: 'queue a mission' },
      { command: 'ci_check', description: 'check CI of a PR' },
      { command: 'Bad-Name', description: 'refused by Telegram' },
    ]);
    expect(rig.fake.commands).toEqual([
      { command: 'mission', description: 'queue a mission' },
      { command: 'ci_check', description: 'check CI of a PR' },
    ]);
  });

  it('a refused setMyCommands is logged, not thrown', async () => {
    rig.fake.failNext('setMyCommands', { status: 400, description: 'Bad Request: BOT_COMMAND_INVALID' });
    await provider().registerCommands!([{ command: 'status', description: 'the tree' }]);
    expect(rig.fake.commands).toBeUndefined();
    expect(rig.logLines.join('')).toContain('command menu not registered');
  });
});
