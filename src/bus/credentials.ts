// The embedded server's credentials: a fresh random password per user per tree start, and the
// operator's credential in <stateDir>/operator.env (0600), in a form both the roshi CLI and a
// shell can read: `set -a; . operator.env; set +a; nats sub 'roshi.>'` (the nats CLI reads
// NATS_URL, NATS_USER and NATS_PASSWORD). Passwords go to files and child environments only,
// never to argv, logs or status.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicFile.js';
import type { EmbeddedUser } from './embedded-server.js';
import { userOfPasswordVariable, type NatsUserPermissions } from './permissions.js';

export const OPERATOR_ENV_FILE = 'operator.env';
export const SERVER_CONFIG_FILE = 'nats.conf';
/** Per-user passwords for an external server set up with the block of docs/security.md. */
export const EXTERNAL_USERS_FILE = 'nats-users.env';

export interface OperatorCredential {
  url: string;
  user: string;
  password: string;
}

/** 192 random bits, base64url: no character a shell or a config file would treat specially. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

export function withPasswords(users: readonly NatsUserPermissions[], secret: () => string = newSecret): EmbeddedUser[] {
  return users.map((u) => ({ ...u, password: secret() }));
}

export function operatorEnvPath(stateDir: string): string {
  return join(stateDir, OPERATOR_ENV_FILE);
}

export function writeOperatorEnv(stateDir: string, credential: OperatorCredential): void {
  writeFileAtomic(
    operatorEnvPath(stateDir),
    `NATS_URL=${credential.url}\nNATS_USER=${credential.user}\nNATS_PASSWORD=${credential.password}\n`,
  );
}

/** The operator credential the running supervisor wrote, or undefined when there is none. */
export function readOperatorEnv(stateDir: string): OperatorCredential | undefined {
  let text: string;
  try {
    text = readFileSync(operatorEnvPath(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z_]+)=(.*)$/.exec(line);
    if (match) values.set(match[1]!, match[2]!.trim());
  }
  const url = values.get('NATS_URL');
  const user = values.get('NATS_USER');
  const password = values.get('NATS_PASSWORD');
  return url && user && password ? { url, user, password } : undefined;
}

/**
 * <stateDir>/nats-users.env: `ROSHI_NATS_PASSWORD_<USER>=<password>` lines, the same file the
 * external nats-server reads its passwords from (e.g. as a systemd EnvironmentFile). When present
 * with an external nats.url, each actor connects as its own user; user → password, or undefined.
 */
export function readExternalUsers(stateDir: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(join(stateDir, EXTERNAL_USERS_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
    const user = match && userOfPasswordVariable(match[1]!);
    const password = match?.[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (user && password) users.set(user, password);
  }
  return users;
}
