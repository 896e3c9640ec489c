// A short-lived bus connection for CLI commands that ask the running tree something.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bus } from '../bus/index.js';
import { BusError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { CommandContext } from './context.js';

export async function withBus<T>(ctx: CommandContext, use: (bus: Bus) => Promise<T>): Promise<T> {
  const url = ctx.config.nats.url || discoverEmbeddedUrl(ctx);
  const bus = await Bus.connect({
    ...ctx.config.nats,
    url,
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

/** The embedded server's URL, which the supervisor records in the state dir at start. */
function discoverEmbeddedUrl(ctx: CommandContext): string {
  const url = readNatsUrlFile(ctx.config.stateDir);
  if (!url) {
    throw new BusError(`no supervisor seems to be running for ${ctx.config.stateDir} (no nats.url file); start one with \`node dist/main.js supervisor\` or set nats.url`);
  }
  return url;
}

export function readNatsUrlFile(stateDir: string): string | undefined {
  try {
    return readFileSync(join(stateDir, 'nats.url'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
