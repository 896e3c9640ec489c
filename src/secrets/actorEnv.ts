// What each process of the tree inherits from the supervisor: an allow-list per kind, so a bug
// or a compromise in one actor exposes only the secrets that actor needs (a bridge holds chat
// tokens but no GitHub token; a watchdog holds nothing).
// Pure: config + kind + the supervisor's environment + the child's own variables → environment.
import type { RoshiConfig } from '../config/schema.js';
import { AGENT_BASE_NAMES, isAgentBaseName } from './agentEnv.js';
import { configuredSecretNames, isSecretName } from './sources.js';
import { parseActorName } from '../contracts/index.js';

/** `other`: a name this module does not know gets nothing beyond the base set and the config layer. */
export type ChildKind =
  | 'nats'
  | 'watchdog'
  | 'missions'
  | 'bridge'
  | 'chat'
  | 'runner'
  | 'pr-poller'
  | 'webhook'
  | 'other';

const KINDS: readonly string[] = ['nats', 'watchdog', 'missions', 'bridge', 'chat', 'runner', 'pr-poller', 'webhook'];

/** The kind of a child of the tree from its name (`runner-3` is a runner). */
export function childKindOf(name: string): ChildKind {
  const kind = parseActorName(name)?.kind ?? name; // `h2-runner-3`, `h1-bridge`: by their kind
  return KINDS.includes(kind) ? (kind as ChildKind) : 'other';
}

/** Everyone's base: the shell basics, locale, time zone, proxies, TLS roots (not the agent API). */
function isBaseName(name: string): boolean {
  return AGENT_BASE_NAMES.includes(name) || name.startsWith('LC_') || name === 'MALLOC_ARENA_MAX';
}

/** For the actors that run git (push, fetch, delete branches): git's own settings and the ssh agent. */
function isGitName(name: string): boolean {
  return name.startsWith('GIT_') || name === 'SSH_AUTH_SOCK';
}

/** The token variables of the chat providers the bridge runs (bridge.providers). */
function providerTokenNames(config: Pick<RoshiConfig, 'bridge'>): string[] {
  const { providers, telegram, slack, matrix, discord } = config.bridge;
  const names: string[] = [];
  if (providers.includes('telegram')) names.push(telegram.tokenEnv);
  if (providers.includes('slack')) names.push(slack.botTokenEnv, slack.appTokenEnv);
  if (providers.includes('matrix')) names.push(matrix.tokenEnv);
  if (providers.includes('discord')) names.push(discord.tokenEnv);
  return names.filter((name) => name !== '');
}

type ConfigPart = Pick<RoshiConfig, 'github' | 'bridge' | 'agent' | 'secrets'> & {
  webhook?: Pick<RoshiConfig['webhook'], 'secretEnv'>;
};

/** The secret (and other non-base) variables a kind needs, by name; and whether it gets the agent's API variables. */
function grantsOf(config: ConfigPart, kind: ChildKind): { names: Set<string>; agentApi: boolean; git: boolean } {
  switch (kind) {
    case 'runner':
      // The runner reads the agent's output, so it holds the secrets.env values too: to mask them
      // if the agent finds and prints one. They reach the agent only if agent.passEnv names them.
      return {
        names: new Set([config.github.tokenEnv, ...config.agent.passEnv, ...config.secrets.env]),
        agentApi: true,
        git: true,
      };
    case 'chat':
      return { names: new Set(), agentApi: true, git: false };
    case 'bridge':
      return { names: new Set(providerTokenNames(config)), agentApi: false, git: false };
    case 'pr-poller':
      return { names: new Set([config.github.tokenEnv]), agentApi: false, git: true };
    case 'webhook':
      // The webhook secret only: it verifies deliveries, never talks to GitHub.
      return { names: new Set(config.webhook ? [config.webhook.secretEnv] : []), agentApi: false, git: false };
    case 'watchdog':
    case 'missions':
    case 'nats':
    case 'other':
      return { names: new Set(), agentApi: false, git: false };
  }
}

/**
 * A ROSHI_* variable is the config layer, which every actor loads the same way — except secrets.
 * The bus credentials (ROSHI_NATS__TOKEN/PASSWORD) are the exception to the exception: every
 * actor needs the bus, and in embedded mode the supervisor overrides them per actor anyway.
 * (nats-server gets the rest too: harmless, and process markers such as ROSHI_TEST_RUN reach it.)
 * A `…ENV` key (ROSHI_GITHUB__TOKENENV) holds a variable's name, not a secret.
 */
function isConfigVariable(name: string, secretNames: ReadonlySet<string>, kind: ChildKind): boolean {
  if (!name.startsWith('ROSHI_') || secretNames.has(name)) return false;
  if (name.startsWith('ROSHI_NATS__') && isSecretName(name)) return kind !== 'nats';
  return !isSecretName(name) || name.endsWith('ENV');
}

/**
 * The environment of one child of the tree: the base set, the config layer (for nats-server
 * without the bus credentials: it only reads its config file), what its kind needs, then `own` (the supervisor's per-child variables, e.g. its
 * bus credential), which wins.
 */
export function actorEnvironment(
  config: ConfigPart,
  kind: ChildKind,
  source: NodeJS.ProcessEnv,
  own: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const secretNames = configuredSecretNames(config);
  const { names, agentApi, git } = grantsOf(config, kind);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const allowed =
      isBaseName(name) ||
      names.has(name) ||
      (agentApi && isAgentBaseName(name)) ||
      (git && isGitName(name)) ||
      isConfigVariable(name, secretNames, kind);
    if (allowed) env[name] = value;
  }
  return Object.assign(env, own);
}
