// The chat providers the bridge runs, built from bridge.providers. A provider that cannot be
// built (an unknown name, a token variable that is not set, an invalid chat id) is reported
// with its reason and left out, so one misconfigured provider never takes the console (or the
// others) down with it; the bridge shows it as failing in /status and `providers`. Building is
// construction only (no network, no side effect), so buildableProviders can try it before the
// bridge leases a provider (docs/scale-out.md#singleton-leases).
import type { Bus } from '../../bus/index.js';
import { PROVIDER_NAMES, type ProviderName } from '../../contracts/chatProviders.js';
import type { RoshiConfig } from '../../config/index.js';
import { silentLogger, type Logger } from '../../log.js';
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
  /** The failures were logged already, when the bridge chose its leases: not again. */
  failuresLogged?: boolean;
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
  const built = buildProviders(config, logger, cursors, options.bus, options.env ?? process.env);
  if (!options.failuresLogged) logProviderFailures(logger, built.failures);
  return built;
}

/** What a bridge can serve in this process: the providers it can build, and why the others cannot. */
export interface BuildableProviders {
  buildable: string[];
  failures: ProviderFailure[];
}

/**
 * Which providers of bridge.providers can be built here with `env`, and why the others cannot:
 * each is built exactly as createProviders builds it, then dropped (nothing was started).
 */
export function buildableProviders(
  config: RoshiConfig,
  bus: Bus,
  env: Record<string, string | undefined> = process.env,
): BuildableProviders {
  const unused: Cursor = { load: async () => undefined, save: async () => undefined };
  const { providers, failures } = buildProviders(config, silentLogger(), () => unused, bus, env);
  return { buildable: providers.map((setup) => setup.provider.name), failures };
}

/** One error line per provider that cannot be built, with its reason. */
export function logProviderFailures(logger: Logger, failures: readonly ProviderFailure[], note?: string): void {
  for (const { name, error } of failures) {
    logger.error({ provider: name, reason: error, ...(note ? { note } : {}) }, 'chat provider not started');
  }
}

function buildProviders(
  config: RoshiConfig,
  logger: Logger,
  cursors: (provider: string) => Cursor,
  bus: Bus,
  env: Record<string, string | undefined>,
): CreatedProviders {
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
      providers.push(factory(config, { logger: logger.child({ provider: name }), cursor: cursors(name), env }, bus));
    } catch (error) {
      failures.push({ name, error: (error as Error).message ?? String(error) });
    }
  }
  return { providers, failures };
}
