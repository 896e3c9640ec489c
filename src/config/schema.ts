// The shape of roshi's configuration: which keys exist, their types and their limits. Default
// values live only in config/default.yaml, so this file cannot drift from them; the loader
// requires every key to be present after merging, and the defaults file provides them all.
import { DURATION_FORMAT, formatDuration, tryParseDuration } from './duration.js';

/** A rule beyond the type: `test` gets the already type-checked value. */
export interface CustomCheck {
  test: (value: string) => boolean;
  expected: string;
}

export type LeafSpec =
  | { kind: 'string'; check?: CustomCheck }
  | { kind: 'nonEmptyString' }
  | { kind: 'boolean' }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'number'; min?: number; max?: number }
  | { kind: 'duration'; min?: number }
  | { kind: 'enum'; values: readonly string[] };

export interface SectionSpec {
  kind: 'section';
  keys: { readonly [key: string]: KeySpec };
}

export type KeySpec = LeafSpec | SectionSpec;

// Small constructors so the schema below reads like a table. The `const` type parameters keep
// enum values and section keys as literals, which is what lets RoshiConfig be derived from it.
const string = (check?: CustomCheck) => ({ kind: 'string', ...(check ? { check } : {}) }) as const;
const nonEmptyString = () => ({ kind: 'nonEmptyString' }) as const;
const boolean = () => ({ kind: 'boolean' }) as const;
const integer = (min?: number, max?: number) => ({ kind: 'integer', min, max }) as const;
const number = (min?: number, max?: number) => ({ kind: 'number', min, max }) as const;
const duration = (min?: number) => ({ kind: 'duration', min }) as const;
const oneOf = <const V extends readonly string[]>(...values: V) => ({ kind: 'enum', values }) as const;
const section = <const K extends { readonly [key: string]: KeySpec }>(keys: K) => ({ kind: 'section', keys }) as const;

const PREFIX_PATTERN = /^[a-z][a-z0-9_-]*$/;
const NATS_URL_SCHEMES = new Set(['nats:', 'tls:', 'ws:', 'wss:']);

/** "" (embedded server) or a comma-separated list of nats://, tls://, ws:// or wss:// URLs. */
function isNatsUrlList(value: string): boolean {
  if (value === '') return true;
  return value.split(',').every((part) => {
    try {
      const url = new URL(part.trim());
      return NATS_URL_SCHEMES.has(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  });
}

export const configSchema = section({
  prefix: string({ test: (v) => PREFIX_PATTERN.test(v), expected: `a name matching ${PREFIX_PATTERN} (lower case, starts with a letter)` }),
  stateDir: string(),
  log: section({
    level: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    pretty: oneOf('auto', 'always', 'never'),
  }),
  nats: section({
    url: string({ test: isNatsUrlList, expected: '"" (embedded server) or nats://, tls://, ws:// or wss:// URLs separated by commas' }),
    token: string(),
    user: string(),
    password: string(),
    credsFile: string(),
    tls: section({ caFile: string(), certFile: string(), keyFile: string() }),
    embedded: section({ binary: string(), host: nonEmptyString(), port: integer(0, 65535) }),
    requestTimeout: duration(1),
  }),
  heartbeat: section({ interval: duration(100) }),
  watchdog: section({ checkInterval: duration(50), staleAfter: duration(1), maxLoopLag: duration(1) }),
  supervision: section({
    readyTimeout: duration(1),
    ackTimeout: duration(1),
    cooperativeTimeout: duration(1),
    sigtermGrace: duration(1),
    backoff: section({ initial: duration(0), max: duration(0), multiplier: number(1), jitter: number(0, 1) }),
    intensity: section({ maxRestarts: integer(1), period: duration(1) }),
    maxTier3Failures: integer(1),
    circuitOpenFor: duration(1),
    orphanTimeout: duration(1),
    alertInterval: duration(0),
  }),
  actors: section({
    bridge: section({ enabled: boolean() }),
    chat: section({ enabled: boolean() }),
    runner: section({ enabled: boolean(), instances: integer(1, 32) }),
    prPoller: section({ enabled: boolean() }),
  }),
  inspect: section({ enabled: boolean() }),
});

/** The validated value type of a spec: durations are milliseconds, enums are their literals. */
export type ValueOf<S> = S extends { kind: 'section'; keys: infer K }
  ? { -readonly [P in keyof K]: ValueOf<K[P]> }
  : S extends { kind: 'enum'; values: readonly (infer V)[] }
    ? V
    : S extends { kind: 'boolean' }
      ? boolean
      : S extends { kind: 'integer' | 'number' | 'duration' }
        ? number
        : string;

export type RoshiConfig = ValueOf<typeof configSchema>;

/** Type and limit checks that involve two keys; each names the key it blames. */
export interface CrossCheck {
  key: string;
  expected: (config: RoshiConfig) => string;
  holds: (config: RoshiConfig) => boolean;
}

export const crossChecks: CrossCheck[] = [
  {
    // A single late heartbeat must not count as a hang, so staleness needs more than one interval.
    key: 'watchdog.staleAfter',
    expected: (c) => `a duration greater than heartbeat.interval (${formatDuration(c.heartbeat.interval)})`,
    holds: (c) => c.watchdog.staleAfter > c.heartbeat.interval,
  },
  {
    // Otherwise the cap would shorten the very first delay, which is never what was meant.
    key: 'supervision.backoff.max',
    expected: (c) => `a duration at least supervision.backoff.initial (${formatDuration(c.supervision.backoff.initial)})`,
    holds: (c) => c.supervision.backoff.max >= c.supervision.backoff.initial,
  },
];

/** What a leaf accepts, phrased for an error message. */
export function describeExpected(spec: LeafSpec): string {
  switch (spec.kind) {
    case 'string':
      return spec.check?.expected ?? 'a string';
    case 'nonEmptyString':
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'integer':
      return `an integer${describeRange(spec.min, spec.max)}`;
    case 'number':
      return `a number${describeRange(spec.min, spec.max)}`;
    case 'duration':
      return spec.min ? `${DURATION_FORMAT}, at least ${formatDuration(spec.min)}` : DURATION_FORMAT;
    case 'enum':
      return `one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** What validateLeaf returns for a value that does not satisfy its spec. */
export const invalid: unique symbol = Symbol('invalid');

/** The validated value (a duration becomes milliseconds), or `invalid`. */
export function validateLeaf(spec: LeafSpec, raw: unknown): unknown {
  const inRange = (n: number, min?: number, max?: number) => (min === undefined || n >= min) && (max === undefined || n <= max);
  switch (spec.kind) {
    case 'string':
      return typeof raw === 'string' && (!spec.check || spec.check.test(raw)) ? raw : invalid;
    case 'nonEmptyString':
      return typeof raw === 'string' && raw !== '' ? raw : invalid;
    case 'boolean':
      return typeof raw === 'boolean' ? raw : invalid;
    case 'integer':
      return Number.isSafeInteger(raw) && inRange(raw as number, spec.min, spec.max) ? raw : invalid;
    case 'number':
      return typeof raw === 'number' && Number.isFinite(raw) && inRange(raw, spec.min, spec.max) ? raw : invalid;
    case 'duration': {
      const ms = tryParseDuration(raw);
      return ms !== undefined && inRange(ms, spec.min) ? ms : invalid;
    }
    case 'enum':
      return typeof raw === 'string' && spec.values.includes(raw) ? raw : invalid;
  }
}
