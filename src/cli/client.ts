// A short-lived bus connection for CLI commands that ask the running tree something.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bus } from '../bus/index.js';
import { operatorEnvPath, readExternalUsers, readOperatorEnv } from '../bus/credentials.js';
import { OPERATOR_USER } from '../bus/permissions.js';
import { BusError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { CommandContext } from './context.js';

export async function withBus<T>(ctx: CommandContext, use: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await Bus.connect({
    ...ctx.config.nats,
    ...(ctx.config.nats.url ? externalOperator(ctx) : embeddedOperator(ctx)),
    name: `${ctx.config.prefix}-cli`,
    prefix: ctx.config.prefix,
    logger: silentLogger(),
    waitForServer: false,
    requestTimeoutMs: ctx.config.nats.requestTimeout,
  });
  try {
    return await use(bus);
  } finally {
    await bus.drain();
  }
}

/**
 * The embedded server's URL and the operator credential, which the running supervisor writes
 * to the state dir at start (operator.env, 0600: readable only by the user roshi runs as).
 */
function embeddedOperator(ctx: CommandContext): { url: string; user: string; password: string } {
  const url = readNatsUrlFile(ctx.config.stateDir);
  if (!url) {
    throw new BusError(
      `no supervisor seems to be running for ${ctx.config.stateDir} (no nats.url file); start one with \`node dist/main.js supervisor\` or set nats.url`,
    );
  }
  const operator = readOperatorEnv(ctx.config.stateDir);
  if (!operator) {
    throw new BusError(
      `the embedded server needs the operator credential, but ${operatorEnvPath(ctx.config.stateDir)} is missing or unreadable (run as the user the supervisor runs as)`,
    );
  }
  return { url, user: operator.user, password: operator.password };
}

/** An external server set up with per-actor users: the operator's password from nats-users.env. */
function externalOperator(ctx: CommandContext): { user?: string; password?: string } {
  if (ctx.config.nats.user || ctx.config.nats.token || ctx.config.nats.credsFile) return {};
  const password = readExternalUsers(ctx.config.stateDir)?.get(OPERATOR_USER);
  return password ? { user: OPERATOR_USER, password } : {};
}

export function readNatsUrlFile(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, 'nats.url'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
