// `roshi config check` on the chat providers (docs/providers.md#checking-the-configuration): an
// unset token variable, a malformed chat id, a misspelled provider and allow-list entries of the
// wrong shape are each named, and a token's value never appears in what it says.
import { describe, expect, it } from 'vitest';
import { providerProblems } from '../../src/adapters/messaging/providerCheck.js';
import { loadConfig } from '../../src/config/index.js';

const TOKEN = '123456:AAF-not-to-be-printed';

const configWith = (bridge: Record<string, unknown>) => loadConfig({ env: {}, overrides: { bridge } }).config;

describe('config check: chat providers', () => {
  it('a good setup has nothing to say', () => {
    const config = configWith({
      providers: ['console', 'telegram', 'slack', 'matrix'],
      allowedUsers: ['telegram:123456789', 'slack:U024BE7LH', 'matrix:@ana:example.org', 'console:*'],
      admins: ['telegram:123456789'],
      telegram: { chatId: '-1001234567890' },
      slack: { channel: 'C0123456789' },
      matrix: { homeserverUrl: 'https://matrix.example.org', roomId: '!abc:example.org', userId: '@roshi:example.org' },
    });
    const env = { TELEGRAM_BOT_TOKEN: TOKEN, SLACK_BOT_TOKEN: 'xoxb-1', MATRIX_ACCESS_TOKEN: 'syt_1' };
    expect(providerProblems(config, env)).toEqual([]);
  });

  it('names an unset token, a bad chat id, an unknown provider and bad allow-list entries', () => {
    const config = configWith({
      providers: ['telegram', 'telgram'],
      allowedUsers: ['telegram:abc', 'slack', 'discrod:1', 'matrix:ana'],
      admins: ['slack:ana'],
      telegram: { chatId: '12x' },
    });
    const problems = providerProblems(config, {});
    expect(problems).toEqual([
      'telegram: the token variable TELEGRAM_BOT_TOKEN is not set (bridge.telegram names it)',
      expect.stringMatching(/^telegram: bridge\.telegram\.chatId is "12x"; expected a numeric chat id/),
      'bridge.providers: unknown provider "telgram"; known: console, telegram, slack, matrix, discord',
      'bridge.allowedUsers: "telegram:abc": the user id is not a numeric Telegram user id, e.g. 123456789',
      'bridge.allowedUsers: "slack" is not "<provider>:<user id>" (e.g. "telegram:123456789") and matches nobody',
      'bridge.allowedUsers: "discrod:1" names an unknown provider "discrod"; known: console, telegram, slack, matrix, discord',
      'bridge.allowedUsers: "matrix:ana": the user id is not a Matrix user id, e.g. @ana:example.org',
      'bridge.admins: "slack:ana": the user id is not a Slack member id, e.g. U024BE7LH',
    ]);
  });

  it('never shows a token value, even when the id checks fail beside it', () => {
    const config = configWith({ providers: ['telegram'], telegram: { chatId: 'nope' } });
    const problems = providerProblems(config, { TELEGRAM_BOT_TOKEN: TOKEN });
    expect(problems).toHaveLength(1);
    expect(problems.join('\n')).not.toContain(TOKEN);
  });
});
