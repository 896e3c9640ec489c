// `roshi supervisor`: start the whole tree in the foreground.
import { join } from 'node:path';
import { createLogger } from '../log.js';
import { ensurePrivateDir, statePaths } from '../paths.js';
import { runSupervisor } from '../supervisor/host.js';
import type { CommandContext } from './context.js';

export const summary = 'start the supervision tree (embedded nats-server unless nats.url is set)';

export async function run(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  // Before the log file is opened in it.
  const stateDir = ensurePrivateDir(config.stateDir);
  const pretty = config.log.pretty === 'auto' ? undefined : config.log.pretty === 'always';
  const logger = createLogger({
    level: config.log.level,
    name: 'supervisor',
    file: join(statePaths(config.stateDir).logs, 'supervisor.log'),
    ...(pretty === undefined ? {} : { pretty }),
  });
  if (stateDir.tightenedFrom !== undefined) {
    logger.warn(
      { stateDir: config.stateDir, was: stateDir.tightenedFrom.toString(8), now: '700' },
      'the state dir was open to other users; tightened it to 0700',
    );
  }
  return runSupervisor({ config, logger, ...(ctx.configFile ? { configFile: ctx.configFile } : {}) });
}
