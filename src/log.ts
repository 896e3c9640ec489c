// The one pino root logger. Actors and modules take child loggers (`logger.child({ actor })`)
// so every line says where it came from. Secrets are handled here, once, so no module has to
// remember to do it: values under a key that names a secret are replaced at any depth, and every
// finished line passes through the scrubber (src/secrets/scrubber.ts) before it is written, which
// covers messages, bindings and error stacks alike.
//
// No pino transports: they run in a worker thread, which would cost every actor process several
// megabytes of memory. Actors write JSON lines to stderr, which the supervisor points at
// <stateDir>/logs/<actor>.log; only an interactive supervisor pretty-prints, in-thread.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import { MASK, scrubJson } from './secrets/scrubber.js';

export type { Logger } from 'pino';

export interface LogOptions {
  level?: string;
  /** Pretty, human-oriented output on stderr; defaults to whether stderr is a terminal. */
  pretty?: boolean;
  /** Also append JSON lines to this file. */
  file?: string;
  name?: string;
}

/**
 * A key whose value never reaches a log line, at any depth: tokens, passwords, secrets, API and
 * private keys, credentials, authorization headers, cookies. Keys ending in `Env` name a variable
 * (`tokenEnv: GITHUB_TOKEN`), not a secret, and numbers (`outputTokens: 812`) are kept.
 */
export const SECRET_KEY_PATTERN =
  /token|passw(?:or)?d|^pass$|secret|(?:api|private|access|signing)_?key|authori[sz]ation|^creds$|credential|cookie/i;

function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key) && !key.endsWith('Env');
}

/**
 * `value` with every secret-keyed string or object replaced by the mask, at any depth. Copies
 * only what it changes, so the usual log object (nothing secret in it) costs one walk and no
 * allocation.
 */
export function redactSecretKeys<T>(value: T): T {
  return redact(value, 0) as T;
}

const MAX_DEPTH = 32;

function redact(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = redact(value[i], depth + 1);
      if (item !== value[i]) (copy ??= [...value])[i] = item;
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // errors, dates: pino serializes them
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const next =
      isSecretKey(key) && item !== null && (typeof item === 'string' || typeof item === 'object')
        ? MASK
        : redact(item, depth + 1);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

/** Child bindings are kept as a ready JSON fragment (`,"k":v,…`); rewrite it when a key looks secret. */
function redactChildBindings(child: Logger): void {
  const holder = child as unknown as Record<symbol, unknown>;
  const fragment = holder[pino.symbols.chindingsSym];
  if (typeof fragment !== 'string' || !SECRET_KEY_PATTERN.test(fragment)) return;
  const bindings = JSON.parse(`{${fragment.slice(1)}}`) as Record<string, unknown>;
  const redacted = redactSecretKeys(bindings);
  if (redacted !== bindings) holder[pino.symbols.chindingsSym] = `,${JSON.stringify(redacted).slice(1, -1)}`;
}

/** A destination that scrubs each finished JSON line before the real one writes it. */
function scrubbing<S extends pino.DestinationStream>(inner: S): pino.DestinationStream {
  const stream = inner as S & { flushSync?: () => void; end?: () => void };
  return {
    write: (line: string) => stream.write(scrubJson(line)),
    ...(stream.flushSync ? { flushSync: () => stream.flushSync?.() } : {}),
    ...(stream.end ? { end: () => stream.end?.() } : {}),
  } as pino.DestinationStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const usePretty = options.pretty ?? process.stderr.isTTY === true;
  const base = {
    level: options.level ?? 'info',
    name: options.name ?? 'roshi',
    formatters: { log: redactSecretKeys, bindings: redactSecretKeys },
    // pino drops the bindings formatter for child loggers: redact their bindings when they are made.
    onChild: redactChildBindings,
  };
  const streams: pino.StreamEntry[] = [
    {
      level: 'trace',
      stream: scrubbing(
        usePretty
          ? loadPretty()({
              destination: 2,
              sync: true,
              colorize: true,
              translateTime: 'HH:MM:ss.l',
              ignore: 'pid,hostname',
            })
          : pino.destination({ dest: 2, sync: true }),
      ),
    },
  ];
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    streams.push({
      level: 'trace',
      stream: scrubbing(pino.destination({ dest: options.file, sync: true, append: true })),
    });
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
