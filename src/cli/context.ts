// What every command needs: the validated config and a logger, built from the global options.
import { loadConfig, type LoadedConfig, type RoshiConfig } from '../config/index.js';
import { createLogger, type Logger } from '../log.js';
import { configureSecrets } from '../secrets/scrubber.js';
import { secretValuesFrom } from '../secrets/sources.js';
import type { CliArgs } from './args.js';

export interface CommandContext {
  args: CliArgs;
  config: RoshiConfig;
  /** Where each value came from, for `config check`. */
  loaded: LoadedConfig;
  /** The user config file in effect (from --config or ROSHI_CONFIG), if any. */
  configFile: string | undefined;
  logger: Logger;
  /** Writes command output for a person (stdout). */
  print: (text: string) => void;
}

export function commandContext(args: CliArgs, loggerName = 'roshi'): CommandContext {
  const configFile = args.configFile ?? (process.env.ROSHI_CONFIG || undefined);
  const loaded = loadConfig({
    ...(configFile ? { file: configFile } : {}),
    env: process.env,
    overrides: args.stateDir ? { stateDir: args.stateDir } : {},
  });
  const { config } = loaded;
  // Before the first log line or publish: from here on every text leaving this process is scrubbed.
  configureSecrets(secretValuesFrom(config, process.env));
  const pretty = config.log.pretty === 'auto' ? undefined : config.log.pretty === 'always';
  const logger = createLogger({
    level: config.log.level,
    name: loggerName,
    ...(pretty === undefined ? {} : { pretty }),
  });
  return { args, config, loaded, configFile, logger, print: (text) => process.stdout.write(text + '\n') };
}
