// The chat providers the bridge runs, built from bridge.providers. A provider that cannot be
// built (an unknown name, a token variable that is not set, an invalid chat id) is reported
// with its reason and left out, so one misconfigured provider never takes the console (or the
// others) down with it; the bridge shows it as failing in /status and `providers`.
import type { Bus } from '../../bus/index.js';
import type { RoshiConfig } from '../../config/index.js';
import type { Logger } from '../../log.js';
import { createConsoleProvider } from './console.js';
import { createMatrixProvider } from './matrix.js';
import { createSlackProvider } from './slack.js';
import { createTelegramProvider } from './telegram.js';
import type { Cursor, MessagingProvider } from './types.js';

export {
  CONSOLE_PROVIDER,
  consoleSubject,
  createConsoleProvider,
  toConsoleInbound,
  type ConsoleOutput,
} from './console.js';
export {
  ProviderError,
  type Cursor,
  type InboundMessage,
  type MessagingProvider,
  type OutboundMessage,
} from './types.js';

export const PROVIDER_NAMES = ['console', 'telegram', 'slack', 'matrix'] as const;

export interface ProviderSetup {
  provider: MessagingProvider;
  /** At least this long between two sends (the provider's minInterval setting; 0 for console). */
  minIntervalMs: number;
}

export interface ProviderFailure {
  name: string;
  error: string;
}

export interface CreatedProviders {
  providers: ProviderSetup[];
  failures: ProviderFailure[];
}

export interface ProviderFactoryOptions {
  /** The console provider moves its messages over the bus. */
  bus: Bus;
  env?: Record<string, string | undefined>;
}

export async function createProviders(
  config: RoshiConfig,
  logger: Logger,
  cursors: (provider: string) => Cursor,
  options: ProviderFactoryOptions,
): Promise<CreatedProviders> {
  const env = options.env ?? process.env;
  const providers: ProviderSetup[] = [];
  const failures: ProviderFailure[] = [];
  const seen = new Set<string>();
  for (const raw of config.bridge.providers) {
    const name = raw.trim().toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    const deps = (provider: string) => ({ logger: logger.child({ provider }), cursor: cursors(provider), env });
    try {
      switch (name) {
        case 'console':
          providers.push({
            provider: createConsoleProvider({ bus: options.bus, logger: logger.child({ provider: 'console' }) }),
            minIntervalMs: 0,
          });
          break;
        case 'telegram':
          providers.push({
            provider: await createTelegramProvider(config.bridge.telegram, deps('telegram')),
            minIntervalMs: config.bridge.telegram.minInterval,
          });
          break;
        case 'slack':
          providers.push({
            provider: await createSlackProvider(config.bridge.slack, deps('slack')),
            minIntervalMs: config.bridge.slack.minInterval,
          });
          break;
        case 'matrix':
          providers.push({
            provider: await createMatrixProvider(config.bridge.matrix, deps('matrix')),
            minIntervalMs: config.bridge.matrix.minInterval,
          });
          break;
        default:
          throw new Error(
            `unknown provider ${JSON.stringify(raw)} in bridge.providers; known: ${PROVIDER_NAMES.join(', ')}`,
          );
      }
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      logger.error({ provider: name, reason: message }, 'chat provider not started');
      failures.push({ name, error: message });
    }
  }
  return { providers, failures };
}
