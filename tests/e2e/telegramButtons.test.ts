// Telegram as an operator's phone sees it, through a real tree (missions + bridge) and the Bot
// API fake: the command menu registered at start, a command's answer threaded to the operator's
// message, a queued mission's Cancel button, a stranger's press refused and the operator's press
// cancelling the mission. docs/chat.md#replies-and-buttons
import { afterAll, describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const [CHAT, OPERATOR, STRANGER] = [-1_001_500, 1_500, 6_666];

describe('telegram buttons through the bridge', () => {
  let world: MissionWorld;
  let telegram: FakeTelegram;
  let tree: TestTree | undefined;
  afterAll(async () => {
    await tree?.stop().catch(() => undefined);
    await telegram?.stop();
    await world?.stop();
  });

  it('threads answers, registers the menu, and a Cancel press by the operator (not a stranger) cancels', async () => {
    world = await createMissionWorld();
    telegram = await startFakeTelegram();
    const config = deepMerge(
      world.config({
        actors: { chat: { enabled: false }, prPoller: { enabled: false }, runner: { enabled: false } },
      }),
      {
        bridge: {
          providers: ['telegram'],
          allowedUsers: [`telegram:${OPERATOR}`],
          telegram: { apiUrl: telegram.url, tokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: String(CHAT), minInterval: '0ms' },
        },
      },
    );
    tree = await TestTree.start({ config, env: { ...world.env, TELEGRAM_BOT_TOKEN: telegram.token } });
    await tree.waitForRunning(['missions', 'bridge'], 60_000);

    // The menu, from the command table.
    await until(() => telegram.commands !== undefined, 'setMyCommands');
    const menu = telegram.commands!.map((c) => c.command);
    expect(menu).toEqual(expect.arrayContaining(['mission', 'list', 'cancel', 'status', 'approve', 'help']));

    const asked = telegram.pushMessage({
      chatId: CHAT,
      userId: OPERATOR,
      text: '/mission tidy the readme',
      chatType: 'group',
    });
    await until(() => telegram.sent.some((s) => s.shown.startsWith('⏳ queued')), 'the queued reply');
    const queued = telegram.sent.find((s) => s.shown.startsWith('⏳ queued'))!;
    const id = /queued (\w+)/.exec(queued.shown)![1]!;
    expect(queued.reply_to).toBe(asked.message!.message_id);
    expect(queued.inline_keyboard).toEqual([[{ text: '✖ Cancel', callback_data: `/cancel ${id}` }]]);

    const status = async () => (await tree!.bus.request<Mission>(tree!.bus.subjects.missions('get'), { id })).status;
    expect(await status()).toBe('pending');

    telegram.pressButton({ userId: STRANGER, message: queued, data: `/cancel ${id}` });
    await until(() => telegram.sent.some((s) => s.shown.startsWith('⛔ Not allowed')), 'the refusal');
    expect(telegram.sent.find((s) => s.shown.startsWith('⛔ Not allowed'))!.reply_to).toBe(queued.message_id);
    expect(await status()).toBe('pending');

    telegram.pressButton({ userId: OPERATOR, message: queued, data: `/cancel ${id}` });
    await until(() => telegram.sent.some((s) => s.shown.startsWith(`✖ cancelled ${id}`)), 'the cancel answer');
    expect(await status()).toBe('cancelled');
    // Both presses were answered (the spinner stops), each once.
    await until(() => telegram.answeredCallbacks.length === 2, 'answerCallbackQuery twice');
    expect(new Set(telegram.answeredCallbacks).size).toBe(2);
  }, 120_000);

  it('a long Markdown chat answer arrives whole, split on paragraph breaks, threaded, rendered as meant', async () => {
    // The chat actor's place: one long answer, every reserved MarkdownV2 character in it.
    const paragraphs = Array.from(
      { length: 30 },
      (_, i) =>
        `Step ${i + 1}: run \`npm test\` (about 2.5 min) - then check [the log](https://e.x/a_b?c=d) & PR #${i}! {ok} = yes | no > maybe ~ 1+1. ${'Keep reading. '.repeat(20).trim()}`,
    );
    const answer = paragraphs.join('\n\n');
    expect(answer.length).toBeGreaterThan(11_000);
    tree!.bus.serve(tree!.bus.subjects.chatRequest, async () => ({ text: answer, answered: true, attempts: 1 }), {
      queue: 'chat',
    });
    const before = telegram.sent.length;
    const asked = telegram.pushMessage({
      chatId: CHAT,
      userId: OPERATOR,
      text: 'how do I run the tests?',
      chatType: 'group',
    });
    const pieces = () => telegram.sent.slice(before).filter((s) => s.shown.startsWith('Step '));
    await until(() => pieces().some((p) => p.shown.includes('Step 30:')), 'the last piece', { timeoutMs: 30_000 });
    const got = pieces();
    expect(got.length).toBeGreaterThanOrEqual(3);
    for (const piece of got) {
      expect(piece.parse_mode).toBe('MarkdownV2');
      expect(piece.shown.length).toBeLessThanOrEqual(4096);
    }
    expect(got[0]!.reply_to).toBe(asked.message!.message_id);
    expect(got.slice(1).every((p) => p.reply_to === undefined)).toBe(true);
    // Whole, in order, each piece a run of whole paragraphs; code and link shown as Telegram renders them.
    const shownParagraphs = paragraphs.map((p) =>
      p.replace(/`npm test`/, 'npm test').replace(/\[the log\]\([^)]*\)/, 'the log'),
    );
    expect(got.map((p) => p.shown).join('\n\n')).toBe(shownParagraphs.join('\n\n'));
  }, 60_000);
});
