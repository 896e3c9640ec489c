// The one pino root logger. Actors and modules take child loggers (`logger.child({ actor })`)
// so every line says where it came from. Secrets are redacted by path here, once, so no module
// has to remember to do it.
//
// No pino transports: they run in a worker thread, which would cost every actor process several
// megabytes of memory. Actors write JSON lines to stderr, which the supervisor points at
// <stateDir>/logs/<actor>.log; only an interactive supervisor pretty-prints, in-thread.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LogOptions {
  level?: string;
  /** Pretty, human-oriented output on stderr; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  /** Also append JSON lines to this file. */
  file?: string;
  name?: string;
}

/** Keys whose values never reach a log line, at the top level or nested up to three deep. */
const SECRET_KEYS = ['token', 'password', 'pass', 'secret', 'apiKey', 'authorization', 'creds'];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]).concat([
  'env.ANTHROPIC_API_KEY',
  'env.GITHUB_TOKEN',
]);

export function createLogger(options: LogOptions = {}): Logger {
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  const base = {
    level: options.level ?? 'info',
    name: options.name ?? 'roshi',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  const streams: pino.StreamEntry[] = [
    {
      level: 'trace',
      stream: usePretty
        ? loadPretty()({ destination: 2, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
        : pino.destination({ dest: 2, sync: true }),
    },
  ];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({ level: 'trace', stream: pino.destination({ dest: options.file, sync: true, append: true }) });
  }
  return pino(base, pino.multistream(streams));
}

/** pino-pretty only where a person watches (the supervisor on a terminal): actors never load it. */
function loadPretty(): typeof import('pino-pretty') {
  return createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
}

/** A logger that discards everything, for tests of modules that take a logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
