// Keeping secrets out of config errors, which are printed, logged and sent to chat: the value an
// error may show, and how to spot a token pasted where a variable's name belongs.
// docs/security.md#secrets-and-least-privilege
import { MASK, scrubText } from '../secrets/scrubber.js';
import { isSecretName } from '../secrets/sources.js';

export const PASTED_TOKEN_HINT =
  "this looks like a token itself: put the token in an environment variable and write that variable's name here";

/**
 * A config key whose value is a secret (nats.password, agent.env.ANTHROPIC_API_KEY) or the name
 * of one (github.tokenEnv: a pasted token lands there).
 */
function isSecretKey(key: string): boolean {
  if (key === 'agent.env') return true; // literal variables, some of them secrets
  const last = (key.split('.').pop() ?? key).replace(/\[\d+\]$/, '');
  return isSecretName(last) || last.endsWith('Env');
}

/**
 * The value a config error may show: `[redacted]` for a key that holds a secret or a secret's
 * variable name, for a value from a variable whose name says secret, and for any value that
 * looks like a token.
 */
export function shown(key: string, value: unknown, source: string | undefined): unknown {
  if (value === undefined || value === null || value === '') return value;
  const envName = source?.startsWith('env ') ? source.slice(4) : undefined;
  if (isSecretKey(key) || (envName !== undefined && isSecretName(envName))) return MASK;
  return looksLikeToken(value) ? MASK : value;
}

export function looksLikeToken(value: unknown): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return scrubText(text) !== text;
}
