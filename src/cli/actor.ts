// `roshi actor <name>`: run one actor in this process (the supervisor starts these).
import { hostActor } from '../actors/host.js';
import { kindOf } from '../actors/registry.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { CommandContext } from './context.js';

export const summary = 'run one actor in the foreground: watchdog, missions, bridge, chat, runner-N, pr-poller';

export async function run(ctx: CommandContext): Promise<number> {
  const name = ctx.args.positionals[0];
  if (!name) throw new UsageError('actor needs a name, e.g. `node dist/main.js actor watchdog`');
  const kind = await kindOf(name);
  // Actors log JSON to stderr; the supervisor points it at <stateDir>/logs/<name>.log.
  const logger = createLogger({ level: ctx.config.log.level, name, pretty: ctx.config.log.pretty === 'always' });
  return hostActor(name, kind, ctx.config, logger);
}
