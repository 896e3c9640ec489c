// `roshi config check` and config loading on the Discord provider (docs/chat.md#discord): the
// token variable unset, a channel id or allow-list entry not of Discord's shape, a pasted token
// refused without being shown, and a good setup passing.
import { describe, expect, it } from 'vitest';
import { createDiscordProvider } from '../../src/adapters/messaging/discord.js';
import { providerProblems } from '../../src/adapters/messaging/providerCheck.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { actorEnvironment } from '../../src/secrets/actorEnv.js';

// A bot token's shape (base64 user id . timestamp . HMAC), made up.
const TOKEN = 'MTA1MjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.' + 'n0tARealD1scordT0ken'.repeat(2);
const CHANNEL = '1052345678901234567';

const configWith = (bridge: Record<string, unknown>) => loadConfig({ env: {}, overrides: { bridge } }).config;

describe('config check: discord', () => {
  it('a good setup has nothing to say', () => {
    const config = configWith({
      providers: ['discord'],
      allowedUsers: ['discord:80351110224678912', 'discord:*'],
      admins: ['discord:80351110224678912'],
      discord: { channelId: CHANNEL },
    });
    expect(config.bridge.discord).toMatchObject({
      apiUrl: 'https://discord.com/api/v10',
      gatewayUrl: '',
      tokenEnv: 'DISCORD_BOT_TOKEN',
      minInterval: 1_000,
      silentAfter: 90_000,
    });
    expect(providerProblems(config, { DISCORD_BOT_TOKEN: TOKEN })).toEqual([]);
  });

  it('names an unset token, a malformed channel id and allow-list entries not of Discord’s shape', () => {
    const config = configWith({
      providers: ['discord'],
      allowedUsers: ['discord:ana', 'discord:123'],
      admins: ['discord:@ana'],
      discord: { channelId: '#general' },
    });
    const problems = providerProblems(config, {});
    expect(problems).toEqual([
      'discord: the token variable DISCORD_BOT_TOKEN is not set (bridge.discord names it)',
      expect.stringMatching(/^discord: bridge\.discord\.channelId is "#general"; expected a channel id such as \d+/),
      'bridge.allowedUsers: "discord:ana": the user id is not a Discord user id (17–20 digits), e.g. 80351110224678912',
      'bridge.allowedUsers: "discord:123": the user id is not a Discord user id (17–20 digits), e.g. 80351110224678912',
      'bridge.admins: "discord:@ana": the user id is not a Discord user id (17–20 digits), e.g. 80351110224678912',
    ]);
    expect(providerProblems(config, { DISCORD_BOT_TOKEN: TOKEN }).join('\n')).not.toContain(TOKEN);
  });

  it('a token pasted where its variable’s name belongs is refused, never shown', () => {
    let error: unknown;
    try {
      configWith({ discord: { tokenEnv: TOKEN } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = `${(error as Error).message}\n${JSON.stringify({ ...(error as object) })}\n${(error as Error).stack}`;
    expect(text).toContain('bridge.discord.tokenEnv');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('GhIjKl');
  });

  it('a gateway override must be a WebSocket URL', () => {
    expect(() => configWith({ discord: { gatewayUrl: 'http://gateway.example' } })).toThrow(
      /bridge\.discord\.gatewayUrl.*ws:\/\/ or wss:\/\//,
    );
    expect(configWith({ discord: { gatewayUrl: 'wss://gateway.discord.gg' } }).bridge.discord.gatewayUrl).toBe(
      'wss://gateway.discord.gg',
    );
  });

  it('the provider names the variable when the token is missing, and the key when the channel is wrong', () => {
    const settings = configWith({ discord: { channelId: CHANNEL } }).bridge.discord;
    const deps = (env: Record<string, string>) => ({
      logger: silentLogger(),
      cursor: { load: async () => undefined, save: async () => undefined },
      env,
    });
    expect(() => createDiscordProvider(settings, deps({}))).toThrow(/DISCORD_BOT_TOKEN/);
    expect(() => createDiscordProvider({ ...settings, channelId: '' }, deps({ DISCORD_BOT_TOKEN: TOKEN }))).toThrow(
      /bridge\.discord\.channelId/,
    );
    const provider = createDiscordProvider(settings, deps({ DISCORD_BOT_TOKEN: TOKEN }));
    expect(provider).toMatchObject({ name: 'discord', maxLength: 2000, defaultChatId: CHANNEL });
  });

  it('the bridge alone inherits the bot token, and only while discord is listed', () => {
    const env = { PATH: '/usr/bin', DISCORD_BOT_TOKEN: TOKEN, GITHUB_TOKEN: 'gh' };
    const listed = configWith({ providers: ['discord'], discord: { channelId: CHANNEL } });
    expect(actorEnvironment(listed, 'bridge', env).DISCORD_BOT_TOKEN).toBe(TOKEN);
    expect(actorEnvironment(listed, 'runner', env).DISCORD_BOT_TOKEN).toBeUndefined();
    expect(actorEnvironment(listed, 'chat', env).DISCORD_BOT_TOKEN).toBeUndefined();
    expect(actorEnvironment(configWith({ providers: ['console'] }), 'bridge', env).DISCORD_BOT_TOKEN).toBeUndefined();
  });
});
