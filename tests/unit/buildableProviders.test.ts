// Which chat providers a bridge can build in this process (src/adapters/messaging/index.ts
// buildableProviders): on a multi-host system a bridge leases only those, so a host without a
// provider's token never keeps that provider from a host that has it
// (docs/scale-out.md#singleton-leases). Building is construction only: no request leaves, and the
// bus is read for its prefix and nothing else.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildableProviders } from '../../src/adapters/messaging/index.js';
import type { Bus } from '../../src/bus/index.js';
import { loadConfig } from '../../src/config/index.js';

const TOKEN = '123456:AAF-not-to-be-printed';

const configWith = (bridge: Record<string, unknown>) => loadConfig({ env: {}, overrides: { bridge } }).config;

/** A bus that records what is read of it: the console provider needs its prefix to be built. */
function recordingBus(): { bus: Bus; read: string[] } {
  const read: string[] = [];
  const bus = new Proxy(
    { prefix: 'roshi' },
    {
      get: (target, key) => {
        read.push(String(key));
        return Reflect.get(target, key);
      },
    },
  ) as unknown as Bus;
  return { bus, read };
}

afterEach(() => vi.restoreAllMocks());

describe('buildableProviders', () => {
  it('leaves out a provider whose token variable is unset here, with the variable named', () => {
    const config = configWith({ providers: ['console', 'telegram', 'slack'], slack: { channel: 'C0123456789' } });
    const { buildable, failures } = buildableProviders(config, recordingBus().bus, { TELEGRAM_BOT_TOKEN: TOKEN });
    expect(buildable).toEqual(['console', 'telegram']);
    expect(failures).toEqual([{ name: 'slack', error: expect.stringContaining('SLACK_BOT_TOKEN') }]);
  });

  it('gives the same answer for the same config on a host with another environment', () => {
    const config = configWith({ providers: ['console', 'telegram'] });
    const { buildable, failures } = buildableProviders(config, recordingBus().bus, {});
    expect(buildable).toEqual(['console']);
    expect(failures).toEqual([{ name: 'telegram', error: expect.stringContaining('TELEGRAM_BOT_TOKEN') }]);
    expect(buildableProviders(config, recordingBus().bus, { TELEGRAM_BOT_TOKEN: TOKEN }).buildable).toEqual([
      'console',
      'telegram',
    ]);
  });

  it('names an invalid chat id and an unknown provider, lists each name once, and never shows a token', () => {
    const config = configWith({
      providers: ['Telegram', 'telgram', 'console', ' console '],
      telegram: { chatId: '12x' },
    });
    const { buildable, failures } = buildableProviders(config, recordingBus().bus, { TELEGRAM_BOT_TOKEN: TOKEN });
    expect(buildable).toEqual(['console']);
    expect(failures).toEqual([
      { name: 'telegram', error: expect.stringContaining('bridge.telegram.chatId is "12x"') },
      { name: 'telgram', error: expect.stringContaining('unknown provider "telgram"') },
    ]);
    expect(JSON.stringify(failures)).not.toContain(TOKEN);
  });

  it('only constructs: no request leaves and the bus is read for its prefix only', () => {
    const fetch = vi.spyOn(globalThis, 'fetch');
    const { bus, read } = recordingBus();
    const config = configWith({
      providers: ['console', 'telegram', 'slack', 'matrix', 'discord'],
      telegram: { chatId: '-1001234567890' },
      slack: { channel: 'C0123456789', appTokenEnv: 'SLACK_APP_TOKEN' },
      matrix: { homeserverUrl: 'https://matrix.example.org', roomId: '!abc:example.org' },
      discord: { channelId: '80351110224678912' },
    });
    const env = {
      TELEGRAM_BOT_TOKEN: TOKEN,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      MATRIX_ACCESS_TOKEN: 'syt_1',
      DISCORD_BOT_TOKEN: 'discord-1',
    };
    const { buildable, failures } = buildableProviders(config, bus, env);
    expect(failures).toEqual([]);
    expect(buildable).toEqual(['console', 'telegram', 'slack', 'matrix', 'discord']);
    expect(fetch).not.toHaveBeenCalled();
    expect([...new Set(read)]).toEqual(['prefix']);
  });
});
