// The shape of roshi's configuration: which keys exist, their types and their limits. Default
// values live only in config/default.yaml, so this file cannot drift from them; the loader
// requires every key to be present after merging, and the defaults file provides them all.
//
// The one exception is a record (projects, agent.roles): its entries are named by the user, so
// default.yaml cannot list them. A record spec carries its per-entry defaults here, in code,
// typed as a complete entry value so none can be forgotten; default.yaml repeats them as a
// commented example entry for the reader.
import type { MissionKind } from '../contracts/index.js';
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
  | { kind: 'enum'; values: readonly string[] }
  /** A YAML sequence of strings; replaced as a whole by a later layer, never merged. */
  | { kind: 'stringList' }
  /** A YAML mapping of names to strings; replaced as a whole by a later layer, never merged. */
  | { kind: 'stringMap' };

export interface SectionSpec {
  kind: 'section';
  keys: { readonly [key: string]: KeySpec };
}

/**
 * A mapping from names the user chooses to sections of a fixed shape (`projects.app.path`).
 * Entries merge key by key across layers like sections do; a key no layer sets takes its value
 * from `defaults`. `names`, when given, is the closed list of names an entry may have.
 */
export interface RecordSpec {
  kind: 'record';
  entry: SectionSpec;
  defaults: object;
  names?: readonly string[];
}

export type KeySpec = LeafSpec | SectionSpec | RecordSpec;

/** What a record entry may be called: it appears in dotted keys, paths and env variable names. */
export const ENTRY_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/i;

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
const stringList = () => ({ kind: 'stringList' }) as const;
const stringMap = () => ({ kind: 'stringMap' }) as const;
/** `defaults` is a complete entry, in validated form (durations in milliseconds). */
const record = <const S extends SectionSpec>(entry: S, defaults: ValueOf<S>, names?: readonly string[]) =>
  ({ kind: 'record', entry, defaults, ...(names ? { names } : {}) }) as const;

const PREFIX_PATTERN = /^[a-z][a-z0-9_-]*$/;
const BRANCH_PREFIX_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;
/** The mission kinds agent.roles may name. */
export const AGENT_ROLES = [
  'free',
  'rebase',
  'ci_check',
  'review',
  'implement',
  'fix',
] as const satisfies readonly MissionKind[];
// The Node client speaks NATS over TCP only: ws:// URLs would silently be dialled as TCP.
const NATS_URL_SCHEMES = new Set(['nats:', 'tls:']);

/** "" (embedded server) or a comma-separated list of nats:// or tls:// URLs. */
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

/** The NAME of an environment variable that holds a secret; the secret never sits in config. */
const envName = () =>
  string({
    test: (v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v),
    expected: 'the name of an environment variable, e.g. GITHUB_TOKEN',
  });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const gateMode = () => oneOf('off', 'warn', 'strict');

const projectEntry = section({
  path: string(),
  url: string(),
  baseBranch: nonEmptyString(),
  remote: nonEmptyString(),
  pushRemote: string(),
  githubRepo: string({
    test: (v) => v === '' || /^[\w.-]+\/[\w.-]+$/.test(v),
    expected: '"" or owner/name, e.g. "acme/app"',
  }),
  model: string(),
  effort: string(),
  qualityGate: section({ mode: gateMode(), commands: stringList() }),
  lint: section({ mode: gateMode(), commands: stringList() }),
});

const agentRoleEntry = section({ model: string(), effort: string() });

export const configSchema = section({
  prefix: string({
    test: (v) => PREFIX_PATTERN.test(v),
    expected: `a name matching ${PREFIX_PATTERN} (lower case, starts with a letter)`,
  }),
  stateDir: string(),
  workspace: string(),
  defaultProject: string(),
  projects: record(projectEntry, {
    path: '',
    url: '',
    baseBranch: 'main',
    remote: 'origin',
    pushRemote: '',
    githubRepo: '',
    model: '',
    effort: '',
    qualityGate: { mode: 'off', commands: [] },
    lint: { mode: 'off', commands: [] },
  }),
  git: section({
    branchPrefix: string({
      test: (v) => BRANCH_PREFIX_PATTERN.test(v),
      expected: `a name matching ${BRANCH_PREFIX_PATTERN}`,
    }),
    authorName: nonEmptyString(),
    authorEmail: nonEmptyString(),
  }),
  agent: section({
    command: string(),
    // Free strings: the agent adapter knows which models and efforts exist, and skips an
    // invalid one with a warning rather than refusing to start.
    model: string(),
    fallbackModel: string(),
    effort: string(),
    maxTurns: integer(1, 1000),
    allowedTools: stringList(),
    idleTimeout: duration(1),
    timeout: duration(1),
    killGrace: duration(1),
    env: stringMap(),
    passEnv: stringList(),
    roles: record(agentRoleEntry, { model: '', effort: '' }, AGENT_ROLES),
    runLogs: section({ maxAge: duration(1), maxCount: integer(1) }),
  }),
  missions: section({
    maxAttempts: integer(1),
    maxTransientAttempts: integer(1),
    lease: duration(1),
    leaseRenew: duration(1),
    retryBackoff: section({ initial: duration(0), max: duration(0) }),
    keepDone: integer(0),
    keepFailed: integer(0),
    file: string(),
    maxTextLength: integer(100, 100_000),
  }),
  runner: section({
    startPaused: boolean(),
    pollInterval: duration(1),
    breaker: section({ maxConsecutiveFailures: integer(1), openFor: duration(1) }),
  }),
  github: section({
    apiUrl: string({ test: isHttpUrl, expected: 'an http:// or https:// URL' }),
    tokenEnv: envName(),
  }),
  bridge: section({
    providers: stringList(),
    allowedUsers: stringList(),
    admins: stringList(),
    maxPerMinute: integer(1, 10_000),
    level: oneOf('normal', 'debug'),
    maxMessageLength: integer(100, 100_000),
    telegram: section({
      apiUrl: string({ test: isHttpUrl, expected: 'an http:// or https:// URL' }),
      tokenEnv: envName(),
      chatId: string(),
      pollTimeout: duration(0),
      minInterval: duration(0),
    }),
    slack: section({
      apiUrl: string({ test: isHttpUrl, expected: 'an http:// or https:// URL' }),
      botTokenEnv: envName(),
      appTokenEnv: envName(),
      channel: string(),
      pollInterval: duration(100),
      minInterval: duration(0),
    }),
    matrix: section({
      homeserverUrl: string({ test: (v) => v === '' || isHttpUrl(v), expected: '"" or an http:// or https:// URL' }),
      tokenEnv: envName(),
      roomId: string(),
      userId: string(),
      minInterval: duration(0),
    }),
  }),
  chat: section({
    persona: string(),
    memory: string(),
    historyTurns: integer(0, 1000),
    timeout: duration(1),
    model: string(),
    allowedTools: stringList(),
    maxQueue: integer(1, 10_000),
  }),
  prPoller: section({
    repos: stringList(),
    botLogin: string(),
    authorizedUsers: stringList(),
    ownForks: stringList(),
    fastInterval: duration(1000),
    idleInterval: duration(1000),
  }),
  ci: section({ maxAttempts: integer(1, 100), logTailLines: integer(10, 10_000) }),
  autoMerge: section({
    enabled: boolean(),
    graceMinutes: integer(0, 10_080),
    method: oneOf('merge', 'squash', 'rebase'),
  }),
  cleanup: section({ localBranches: boolean(), remoteBranches: boolean() }),
  log: section({
    level: oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'),
    pretty: oneOf('auto', 'always', 'never'),
  }),
  nats: section({
    url: string({
      test: isNatsUrlList,
      expected: '"" (embedded server) or nats:// or tls:// URLs separated by commas',
    }),
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
    missions: section({ enabled: boolean() }),
  }),
  inspect: section({ enabled: boolean() }),
  secrets: section({ env: stringList() }),
});

/** The validated value type of a spec: durations are milliseconds, enums are their literals. */
export type ValueOf<S> = S extends { kind: 'section'; keys: infer K }
  ? { -readonly [P in keyof K]: ValueOf<K[P]> }
  : S extends { kind: 'record'; entry: infer E }
    ? Record<string, ValueOf<E>>
    : S extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : S extends { kind: 'boolean' }
        ? boolean
        : S extends { kind: 'integer' | 'number' | 'duration' }
          ? number
          : S extends { kind: 'stringList' }
            ? string[]
            : S extends { kind: 'stringMap' }
              ? Record<string, string>
              : string;

export type RoshiConfig = ValueOf<typeof configSchema>;

/** A cross-check that fails: the key it blames and what that key should have been. */
export interface Violation {
  key: string;
  expected: string;
}

/** A rule involving more than one key; returns the first violation, if any. */
export type CrossCheck = (config: RoshiConfig) => Violation | undefined;

/** A cross-check that blames one fixed key. */
const rule =
  (key: string, holds: (c: RoshiConfig) => boolean, expected: (c: RoshiConfig) => string): CrossCheck =>
  (c) =>
    holds(c) ? undefined : { key, expected: expected(c) };

export const crossChecks: CrossCheck[] = [
  // A single late heartbeat must not count as a hang, so staleness needs more than one interval.
  rule(
    'watchdog.staleAfter',
    (c) => c.watchdog.staleAfter > c.heartbeat.interval,
    (c) => `a duration greater than heartbeat.interval (${formatDuration(c.heartbeat.interval)})`,
  ),
  // Otherwise the cap would shorten the very first delay, which is never what was meant.
  rule(
    'supervision.backoff.max',
    (c) => c.supervision.backoff.max >= c.supervision.backoff.initial,
    (c) => `a duration at least supervision.backoff.initial (${formatDuration(c.supervision.backoff.initial)})`,
  ),
  // A lease renewed no more often than it lasts expires between renewals, and another runner
  // would claim a mission that is still being worked on.
  rule(
    'missions.leaseRenew',
    (c) => c.missions.leaseRenew < c.missions.lease,
    (c) => `a duration less than missions.lease (${formatDuration(c.missions.lease)})`,
  ),
  rule(
    'missions.retryBackoff.max',
    (c) => c.missions.retryBackoff.max >= c.missions.retryBackoff.initial,
    (c) => `a duration at least missions.retryBackoff.initial (${formatDuration(c.missions.retryBackoff.initial)})`,
  ),
  // roshi needs a checkout to work in: an existing one, or a URL to clone.
  (c) => {
    const name = Object.keys(c.projects).find((n) => c.projects[n]?.path === '' && c.projects[n]?.url === '');
    return name === undefined
      ? undefined
      : {
          key: `projects.${name}.path`,
          expected: `a local git checkout, or projects.${name}.url set to a git URL to clone`,
        };
  },
  rule(
    'defaultProject',
    (c) => c.defaultProject === '' || Object.hasOwn(c.projects, c.defaultProject),
    (c) => {
      const names = Object.keys(c.projects);
      return names.length === 0 ? '"" (no projects are configured)' : `"" or a configured project: ${names.join(', ')}`;
    },
  ),
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
    case 'stringList':
      return 'a list of strings, e.g. [a, b] ([] for none)';
    case 'stringMap':
      return 'a mapping of names to strings, e.g. { NAME: value } ({} for none)';
  }
}

function describeRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/**
 * The outcome of checking one leaf. A failure inside a list or map names the element: `at` is
 * appended to the leaf's key ("[2]", ".PORT") and `value` is the element, not the whole leaf.
 */
export type LeafCheck = { ok: true; value: unknown } | { ok: false; at: string; value: unknown; expected: string };

/** Checks `raw` against `spec`; a valid value comes back converted (a duration becomes milliseconds). */
export function checkLeaf(spec: LeafSpec, raw: unknown): LeafCheck {
  const fail = (value: unknown, expected: string, at = ''): LeafCheck => ({ ok: false, at, value, expected });
  switch (spec.kind) {
    case 'stringList': {
      if (!Array.isArray(raw)) return fail(raw, describeExpected(spec));
      const bad = raw.findIndex((item) => typeof item !== 'string');
      return bad === -1
        ? { ok: true, value: [...(raw as string[])] }
        : fail(raw[bad], expectedString(raw[bad]), `[${bad}]`);
    }
    case 'stringMap': {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(raw, describeExpected(spec));
      const bad = Object.entries(raw).find(([, value]) => typeof value !== 'string');
      return bad === undefined
        ? { ok: true, value: { ...(raw as Record<string, string>) } }
        : fail(bad[1], expectedString(bad[1]), `.${bad[0]}`);
    }
    default: {
      const value = validateLeaf(spec, raw);
      return value === invalid ? fail(raw, describeExpected(spec)) : { ok: true, value };
    }
  }
}

/** What a list item or map value should be, with the fix for the usual YAML surprise. */
function expectedString(value: unknown): string {
  if (value === null) return 'a string (write "" for an empty one)';
  if (typeof value === 'number' || typeof value === 'boolean') {
    return `a string; YAML reads ${String(value)} as a ${typeof value}, so quote it: "${String(value)}"`;
  }
  return 'a string';
}

/** What validateLeaf returns for a value that does not satisfy its spec. */
export const invalid: unique symbol = Symbol('invalid');

type ScalarSpec = Exclude<LeafSpec, { kind: 'stringList' | 'stringMap' }>;

/** The validated value of a scalar (a duration becomes milliseconds), or `invalid`. */
export function validateLeaf(spec: ScalarSpec, raw: unknown): unknown {
  const inRange = (n: number, min?: number, max?: number) =>
    (min === undefined || n >= min) && (max === undefined || n <= max);
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
