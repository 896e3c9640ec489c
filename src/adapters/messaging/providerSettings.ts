// Reading a chat provider's settings: its token from the environment variable the config names,
// and the checks of its ids, each failing with a ConfigError (exit code 78) that names the
// variable or key and what it takes. Token values never appear in a message.
// See docs/providers.md#chat-providers.
import { ConfigError } from '../../errors.js';

/**
 * Reads a token from the environment variable `configKey` names; a clear ConfigError (exit code
 * 78) naming the variable when it is unset or empty. The value never appears in the message.
 */
export function readToken(
  env: Record<string, string | undefined>,
  variable: string,
  configKey: string,
  what: string,
): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      `environment variable ${variable}`,
      value === undefined ? undefined : '',
      `${what} (${configKey} names this variable; set it, or name another one there)`,
    );
  }
  return value.trim();
}

/** A ConfigError naming `key` and what it takes, unless `valid`. */
export function requireSetting(key: string, value: string, valid: boolean, expected: string): void {
  if (!valid) throw new ConfigError(key, value, expected);
}
