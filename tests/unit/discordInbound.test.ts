// Reading what the Discord Gateway hands over (src/adapters/messaging/discordInbound.ts): which
// messages are a person's command, who pressed a button and what it says, and when each happened.
import { describe, expect, it } from 'vitest';
import { toInbound, toPress } from '../../src/adapters/messaging/discordInbound.js';

const BOT = '1052345678901234567';
const CHANNEL = '1100000000000000001';
const message = (extra: Record<string, unknown> = {}) => ({
  id: '1200000000000000000',
  channel_id: CHANNEL,
  type: 0,
  content: '/status',
  author: { id: '80351110224678912', username: 'ana', global_name: 'Ana' },
  timestamp: '2026-12-03T13:00:00.000000+00:00',
  ...extra,
});

describe('discord inbound', () => {
  it('a person’s message: text, ids, the display name, the time Discord gives', () => {
    expect(toInbound(message(), BOT)).toEqual({
      provider: 'discord',
      chatId: CHANNEL,
      userId: '80351110224678912',
      userName: 'Ana',
      text: '/status',
      messageId: '1200000000000000000',
      at: Date.parse('2026-12-03T13:00:00Z'),
    });
    expect(toInbound(message({ author: { id: '80351110224678912', username: 'ana' } }), BOT)?.userName).toBe('ana');
    expect(toInbound(message({ type: 19, content: `<@${BOT}>  /list` }), BOT)?.text).toBe('/list');
  });

  it('without a timestamp, the time is read from the snowflake', () => {
    // 1200000000000000000 >> 22 = 286102294921 ms after 2015-01-01.
    expect(toInbound(message({ timestamp: undefined }), BOT)?.at).toBe(1_420_070_400_000 + 286_102_294_921);
  });

  it('bots, webhooks, our own posts, system messages and empty texts are not commands', () => {
    expect(toInbound(message({ author: { id: '9', username: 'ci', bot: true } }), BOT)).toBeUndefined();
    expect(toInbound(message({ webhook_id: '5' }), BOT)).toBeUndefined();
    expect(toInbound(message({ author: { id: BOT, username: 'roshi' } }), BOT)).toBeUndefined();
    expect(toInbound(message({ type: 7 }), BOT)).toBeUndefined();
    expect(toInbound(message({ content: `<@${BOT}>` }), BOT)).toBeUndefined();
    expect(toInbound(message({ content: undefined }), BOT)).toBeUndefined();
  });

  it('a button press in the channel is the presser sending its command; elsewhere or not a button, nothing', () => {
    const press = {
      id: '1200000000000000001',
      token: 'aW50ZXJhY3Rpb24.secret',
      type: 3,
      channel_id: CHANNEL,
      data: { custom_id: '/cancel mx7g', component_type: 2 },
      member: { user: { id: '80351110224678913', username: 'bob', global_name: null } },
      message: { id: '1199999999999999999', channel_id: CHANNEL },
    };
    expect(toPress(press, CHANNEL)).toEqual({
      interactionId: '1200000000000000001',
      interactionToken: 'aW50ZXJhY3Rpb24.secret',
      message: {
        provider: 'discord',
        chatId: CHANNEL,
        userId: '80351110224678913',
        userName: 'bob',
        text: '/cancel mx7g',
        messageId: 'press:1200000000000000001@1199999999999999999',
        at: 1_420_070_400_000 + 286_102_294_921,
      },
    });
    const { member: _m, ...inDm } = press;
    expect(toPress({ ...inDm, user: { id: '80351110224678914', username: 'cy' } }, CHANNEL)?.message.userId).toBe(
      '80351110224678914',
    );
    expect(toPress({ ...press, channel_id: '1100000000000000002' }, CHANNEL)).toBeUndefined();
    expect(toPress({ ...press, type: 2 }, CHANNEL)).toBeUndefined(); // a slash command, not a button
    expect(toPress({ ...press, data: {} }, CHANNEL)).toBeUndefined();
  });
});
