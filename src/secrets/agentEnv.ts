// The environment a coding agent (runner and chat) and a gate command run with: an allow-list,
// never an inheritance. The agent runs Bash on text strangers can influence, so whatever is in
// its environment must be assumed to leak: roshi's GitHub and chat tokens, NATS credentials and
// its own ROSHI_* settings stay out unless the operator names them in agent.passEnv.
// Pure: the caller hands in the environment it would otherwise have inherited.
import { isSecretName } from './sources.js';

/** Exact names every agent gets when set: the shell basics, locale, time zone, temp dir, proxies. */
export const AGENT_BASE_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'TERM',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  // Where TLS roots are when a proxy re-signs traffic: without them the agent cannot reach its API.
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  // Where the CLI keeps its settings and login; it belongs to the agent, like ANTHROPIC_*.
  'CLAUDE_CONFIG_DIR',
  // Marks processes the test suite or a benchmark started (not a secret), so their leak sweeps
  // find an agent that outlived its runner.
  'ROSHI_TEST_RUN',
];

/** Prefixes every agent gets: the locale categories and the agent CLI's own API and behaviour variables. */
export const AGENT_BASE_PREFIXES: readonly string[] = ['LC_', 'ANTHROPIC_', 'CLAUDE_CODE_'];

export function isAgentBaseName(name: string): boolean {
  return AGENT_BASE_NAMES.includes(name) || AGENT_BASE_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export interface AgentEnvOptions {
  /** agent.passEnv: further variables the operator chose to give the agent, taken from `source`. */
  passEnv?: readonly string[];
  /** agent.env and roshi's own markers: literal values, set last. */
  extra?: Readonly<Record<string, string>>;
}

/** The agent's environment: the base allow-list and passEnv taken from `source`, then `extra`. */
export function agentEnvironment(source: NodeJS.ProcessEnv, options: AgentEnvOptions = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const passed = new Set(options.passEnv ?? []);
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (isAgentBaseName(name) || passed.has(name)) env[name] = value;
  }
  return Object.assign(env, options.extra ?? {});
}

/**
 * A gate command's environment: it runs code the agent just wrote, so it gets what the agent
 * gets, less the agent's own API credentials (ANTHROPIC_API_KEY, …) unless passEnv names them,
 * and CI=true so tools behave non-interactively.
 */
export function gateEnvironment(source: NodeJS.ProcessEnv, options: AgentEnvOptions = {}): Record<string, string> {
  const passed = new Set(options.passEnv ?? []);
  const env = agentEnvironment(source, options);
  for (const name of Object.keys(env)) {
    if (isSecretName(name) && !passed.has(name) && !(options.extra && name in options.extra)) delete env[name];
  }
  env.CI ??= 'true';
  return env;
}
