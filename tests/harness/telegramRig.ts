// The per-test rig of the Telegram provider's integration tests (providerRig.ts on the fake Bot
// API): the operator and group ids, the provider's settings over the fake, and `provider(options)`.
import { createTelegramProvider, type TelegramSettings } from '../../src/adapters/messaging/telegram.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { providerMaker, providerRig } from './providerRig.js';

export const OPERATOR = 111_222_333;
export const GROUP = -1_001_234_567_890;

/**
 * Registers the hooks of the calling test file; the fake's token must never be logged. `chatId`
 * is the chat the provider is set to (the operator's private chat or the group).
 */
export function telegramRig(chatId: number) {
  const rig = providerRig<FakeTelegram>(startFakeTelegram, (fake) => [fake.token]);
  const settings = (overrides: Partial<TelegramSettings> = {}): TelegramSettings => ({
    apiUrl: rig.fake.url,
    tokenEnv: 'TEST_TELEGRAM_TOKEN',
    chatId: String(chatId),
    pollTimeout: 1_000,
    minInterval: 0,
    silentAfter: 60_000,
    ...overrides,
  });
  const provider = providerMaker(rig, createTelegramProvider, settings, (token) => ({
    TEST_TELEGRAM_TOKEN: token ?? rig.fake.token,
  }));
  return { rig, settings, provider };
}
