// Which environment variables hold secrets, decided from the config and the variable names.
// Pure: the scrubber, the agent's environment and every actor's environment agree on this one
// definition.
import type { RoshiConfig } from '../config/schema.js';

/** A variable whose NAME says it holds a secret (GITHUB_TOKEN, DB_PASSWORD, OPENAI_API_KEY, …). */
export const SECRET_NAME_PATTERN =
  /TOKEN|SECRET|PASSW(?:OR)?D|API_?KEY|(?:^|_)KEY(?:$|_)|CREDENTIAL|(?:^|_)CREDS(?:$|_)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name);
}

/**
 * The names of the variables the config says hold secrets: every `…Env` key's value
 * (github.tokenEnv, bridge.telegram.tokenEnv, bridge.slack.botTokenEnv, …, at any depth) and
 * the names listed in `secrets.env`.
 */
export function configuredSecretNames(config: Pick<RoshiConfig, 'secrets'>): Set<string> {
  const names = new Set<string>();
  collectEnvKeys(config, names);
  for (const name of config.secrets.env) if (name) names.add(name);
  return names;
}

/** The chat providers' token variables (the bridge needs them, nobody else). */
export function chatTokenNames(config: Pick<RoshiConfig, 'bridge'>): string[] {
  const { telegram, slack, matrix, discord } = config.bridge;
  return [telegram.tokenEnv, slack.botTokenEnv, slack.appTokenEnv, matrix.tokenEnv, discord.tokenEnv].filter(
    (name) => name !== '',
  );
}

/** Every name that must be treated as a secret in `env`: configured names and secret-looking names. */
export function secretNamesIn(config: RoshiConfig, env: NodeJS.ProcessEnv): Set<string> {
  const names = configuredSecretNames(config);
  for (const name of Object.keys(env)) if (isSecretName(name)) names.add(name);
  return names;
}

/**
 * The values the scrubber masks: every secret variable's value, plus nats.token and
 * nats.password (which sit in config itself, possibly from ROSHI_NATS__* variables).
 */
export function secretValuesFrom(config: RoshiConfig, env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const name of secretNamesIn(config, env)) {
    const value = env[name];
    if (value) values.push(value);
  }
  // agent.env holds literal values: a secret-looking name there is a secret written in config.
  for (const [name, value] of Object.entries(config.agent.env)) if (isSecretName(name) && value) values.push(value);
  if (config.nats.token) values.push(config.nats.token);
  if (config.nats.password) values.push(config.nats.password);
  return values;
}

/** Walks the config for string values of keys ending in `Env` (not `env`/`passEnv` lists or maps). */
function collectEnvKeys(node: unknown, names: Set<string>, path = ''): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node) || path === 'agent.env') return;
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === 'string') {
      if (key.endsWith('Env') && value !== '') names.add(value);
    } else {
      collectEnvKeys(value, names, path ? `${path}.${key}` : key);
    }
  }
}
