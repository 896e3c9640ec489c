// The CLI entry: one command per file in src/cli/, and one top-level handler that maps errors
// to exit codes (exitCodeOf). Expected failures (RoshiError) print describeError's line only;
// anything else is a bug and prints its stack.
import { parseCli } from './cli/args.js';
import { commandContext, type CommandContext } from './cli/context.js';
import { describeError, EXIT, exitCodeOf, RoshiError, UsageError } from './errors.js';

// Every file and directory roshi (and whatever it spawns: nats-server, git, the agent) creates is
// private to its user: the state dir holds credentials, logs and mission text. Set before any
// command runs, in every process of the tree (supervisor, actors, CLI all start here).
process.umask(0o077);

interface Command {
  summary: string;
  run: (ctx: CommandContext) => Promise<number>;
}

// Loaded on demand: an actor process should not pay for the supervisor's or the CLI's modules
// (each import is memory in every one of the tree's processes).
const COMMANDS: Record<string, () => Promise<Command>> = {
  supervisor: () => import('./cli/supervisor.js'),
  actor: () => import('./cli/actor.js'),
  status: () => import('./cli/status.js'),
  restart: () => import('./cli/restart.js'),
  mission: () => import('./cli/mission.js'),
  drain: () => import('./cli/drain.js'),
  budget: () => import('./cli/budget.js'),
  config: () => import('./cli/config.js'),
  web: () => import('./cli/web.js'),
  inspect: () => import('./cli/inspect.js'),
};

async function usage(): Promise<string> {
  const lines = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, load]) => `  ${name.padEnd(11)} ${(await load()).summary}`),
  );
  return `usage: node dist/main.js <command> [options]

commands:
${lines.join('\n')}

options:
  -c, --config <file>   user config over config/default.yaml (or ROSHI_CONFIG)
  --state-dir <dir>     state directory (or ROSHI_STATE_DIR)
  --json                machine-readable output (status, restart, mission, budget, config check)
  -p, --project <name>  mission add: the project (else [project:x] in the text, else the default)
  --now                 mission add: put the mission at the head of the queue
  --watch               status: redraw the tree and running missions in place until q or Ctrl-C
  --interval <s>        status --watch: seconds between redraws (default 1)
  --undo                drain: clear a host's drain mark (its runners claim again)
  --reason <text>       drain: why, shown by status; --force: mark a host not heard on the bus
  --port <n>            inspect: the local inspector page's port (default 8080, 0: any free one)
  --inspector <ws-url>  inspect: relay to this Stately inspector server instead of starting one
  -h, --help            this help

Every config key can also be set from the environment: ROSHI_NATS__URL, ROSHI_SUPERVISION__SIGTERM_GRACE, …`;
}

async function main(argv: string[]): Promise<number> {
  const args = parseCli(argv);
  if (args.help || !args.command || args.command === 'help') {
    process.stdout.write((await usage()) + '\n');
    return args.command || args.help ? EXIT.ok : EXIT.usage;
  }
  const load = COMMANDS[args.command];
  if (!load) throw new UsageError(`unknown command ${JSON.stringify(args.command)}\n\n${await usage()}`);
  return (await load()).run(commandContext(args, args.command));
}

// `roshi status | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => exitAfterOutput(code),
  (error: unknown) => {
    const expected = error instanceof RoshiError;
    process.stderr.write(
      expected
        ? `roshi: ${describeError(error)}\n`
        : `roshi: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`,
    );
    return exitAfterOutput(exitCodeOf(error));
  },
);

/**
 * Exits once stdout and stderr have drained. Commands resolve when their work is done and stray
 * handles must not keep the process alive, but process.exit() drops whatever a pipe has not
 * taken yet (writes to a pipe are asynchronous): `mission list --json | jq` lost all past 64 KiB.
 * An empty write's callback runs after every earlier write has been handed to the OS.
 */
function exitAfterOutput(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || !stream.writable) done();
    else stream.write('', () => done());
  }
}
