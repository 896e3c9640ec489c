// The per-test rig of the Discord provider's integration tests (providerRig.ts on the Discord
// fake): the channel ids, the provider's settings over the fake, and `provider(options)`.
import { createDiscordProvider, type DiscordSettings } from '../../src/adapters/messaging/discord.js';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord.js';
import { providerMaker, providerRig } from './providerRig.js';

export const CHANNEL = '1100000000000000001';
export const OTHER = '1100000000000000002';
export const ANA = '80351110224678912';
export const BOB = '80351110224678913';

/** Registers the hooks of the calling test file; the fake's token must never be logged. */
export function discordRig() {
  const rig = providerRig<FakeDiscord>(
    () => startFakeDiscord({ channels: [CHANNEL, OTHER], heartbeatMs: 150 }),
    (fake) => [fake.token],
  );
  const settings = (overrides: Partial<DiscordSettings> = {}): DiscordSettings => ({
    apiUrl: rig.fake.apiUrl,
    gatewayUrl: '',
    tokenEnv: 'TEST_DISCORD_TOKEN',
    channelId: CHANNEL,
    minInterval: 0,
    silentAfter: 90_000,
    ...overrides,
  });
  const provider = providerMaker(rig, createDiscordProvider, settings, (token) => ({
    TEST_DISCORD_TOKEN: token ?? rig.fake.token,
  }));
  return { rig, provider };
}

export const texts = (received: Array<{ text: string }>) => received.map((m) => m.text);
/** Long enough for a late duplicate to show. */
export const settle = () => new Promise((r) => setTimeout(r, 300));
