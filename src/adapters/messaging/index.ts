// The chat providers the bridge runs, built from bridge.providers. A provider that cannot be
// built (an unknown name, a token variable that is not set, an invalid chat id) is reported
// with its reason and left out, so one misconfigured provider never takes the console (or the
// others) down with it; the bridge shows it as failing in /status and `providers`.
import type { Bus } from '../../bus/index.js';
import { PROVIDER_NAMES, type ProviderName } from '../../contracts/chatProviders.js';
import type { RoshiConfig } from '../../config/index.js';
import type { Logger } from '../../log.js';
import { createConsoleProvider } from './console.js';
import { createDiscordProvider } from './discord.js';
import { createMatrixProvider } from './matrix.js';
import { createSlackProvider } from './slack.js';
import { createTelegramProvider } from './telegram.js';
import type { ProviderDeps } from './http.js';
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

export { PROVIDER_NAMES };

export interface ProviderSetup {
  provider: MessagingProvider;
  /** At least this long between two sends (the provider's minInterval setting; 0 for console). */
  minIntervalMs: number;
  /** Receiving failed or silent this long: degraded (bridge.<provider>.silentAfter; none for console). */
  silentAfterMs?: number;
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

type ChatProviders = Omit<RoshiConfig['bridge'], 'providers'>;

/** Builds one provider from the config; `deps` are its own logger, cursor and env. */
type ProviderFactory = (config: RoshiConfig, deps: ProviderDeps, bus: Bus) => ProviderSetup;

/** A chat provider: built from its config section, which also holds its send interval. */
function chatProvider<S extends { minInterval: number; silentAfter: number }>(
  create: (settings: S, deps: ProviderDeps) => MessagingProvider,
  section: (bridge: ChatProviders) => S,
): ProviderFactory {
  return (config, deps) => ({
    provider: create(section(config.bridge), deps),
    minIntervalMs: section(config.bridge).minInterval,
    silentAfterMs: section(config.bridge).silentAfter,
  });
}

const FACTORIES: Record<ProviderName, ProviderFactory> = {
  console: (_config, deps, bus) => ({
    provider: createConsoleProvider({ bus, logger: deps.logger }),
    minIntervalMs: 0,
  }),
  telegram: chatProvider(createTelegramProvider, (bridge) => bridge.telegram),
  slack: chatProvider(createSlackProvider, (bridge) => bridge.slack),
  matrix: chatProvider(createMatrixProvider, (bridge) => bridge.matrix),
  discord: chatProvider(createDiscordProvider, (bridge) => bridge.discord),
};

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
    try {
      const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name as ProviderName] : undefined;
      if (!factory) {
        throw new Error(
          `unknown provider ${JSON.stringify(raw)} in bridge.providers; known: ${PROVIDER_NAMES.join(', ')}`,
        );
      }
      providers.push(
        factory(config, { logger: logger.child({ provider: name }), cursor: cursors(name), env }, options.bus),
      );
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      logger.error({ provider: name, reason: message }, 'chat provider not started');
      failures.push({ name, error: message });
    }
  }
  return { providers, failures };
}
