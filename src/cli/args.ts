// Command-line parsing, once, at the edge: global options (--config, --state-dir, --json,
// --help) and positional arguments, with a precise error for anything unknown.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

export interface CliArgs {
  command: string | undefined;
  positionals: string[];
  configFile: string | undefined;
  stateDir: string | undefined;
  json: boolean;
  help: boolean;
  flags: Record<string, string | boolean | undefined>;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        'state-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        by: { type: 'string' },
        project: { type: 'string', short: 'p' },
        now: { type: 'boolean' },
        port: { type: 'string' },
        inspector: { type: 'string' },
        watch: { type: 'boolean' },
        interval: { type: 'string' },
        // drain: clear the mark, why, and mark a host not heard on the bus
        undo: { type: 'boolean' },
        reason: { type: 'string' },
        force: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. Run \`node dist/main.js --help\` for the commands.`);
  }
  const [command, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    configFile: parsed.values.config,
    stateDir: parsed.values['state-dir'],
    json: parsed.values.json ?? false,
    help: parsed.values.help ?? false,
    flags: parsed.values,
  };
}
