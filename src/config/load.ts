// Loading the configuration: four layers merged key by key (later wins), then validated as a
// whole. Each leaf remembers which layer set it, so an error can tell the operator exactly
// which file or environment variable to fix.
//
//   1. config/default.yaml  (every key; the only place defaults are written)
//   2. the user file        (options.file, else $ROSHI_CONFIG)
//   3. environment          (ROSHI_NATS__URL → nats.url, ROSHI_STATE_DIR → stateDir)
//   4. overrides            (CLI flags, as { 'dotted.key': value })
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError, ParseError } from '../errors.js';
import { defaultConfigFile, defaultStateDir } from '../paths.js';
import {
  configSchema,
  crossChecks,
  describeExpected,
  invalid,
  validateLeaf,
  type KeySpec,
  type LeafSpec,
  type RoshiConfig,
  type SectionSpec,
} from './schema.js';

export interface LoadOptions {
  /** A user config file; when absent, $ROSHI_CONFIG names it (if set). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Flat map from dotted key to value, e.g. { stateDir: '/tmp/x' }; undefined values are skipped. */
  overrides?: Record<string, unknown>;
}

export interface LoadedConfig {
  config: RoshiConfig;
  /** The files read, defaults first. */
  files: string[];
  /** Dotted leaf key → where its value came from: a file path, "env ROSHI_…" or "overrides". */
  sources: Record<string, string>;
}

/** ROSHI_* variables that are not config keys: the config file itself and process plumbing. */
export const NON_CONFIG_ENV: ReadonlySet<string> = new Set([
  'ROSHI_CONFIG',
  'ROSHI_FAULTS', // fault injection for tests and drills (src/actors/host.ts)
  'ROSHI_LIFELINE', // supervisor-liveness pipe handed to children (src/actors/lifeline.ts)
  'ROSHI_TEST_RUN', // marks processes the test suite started (tests/harness/processes.ts)
]);

const ENV_PREFIX = 'ROSHI_';
const OVERRIDES_SOURCE = 'overrides';

/** A config key named where none exists: a typo in a file, an env var or a CLI override. */
export class UnknownConfigKeyError extends ConfigError {
  constructor(key: string, value: unknown, source: string, message: string) {
    super(key, value, 'a known key', source);
    this.message = message;
  }
}

interface Setting {
  value: unknown;
  source: string;
}

/** Every dotted path in the schema (sections and leaves) → its spec. */
const specsByPath = new Map<string, KeySpec>();
/** ROSHI_NATS__URL → nats.url, for leaves only: a whole section cannot come from one variable. */
const keysByEnvName = new Map<string, string>();

indexSchema(configSchema, '');

function indexSchema(spec: SectionSpec, prefix: string): void {
  for (const [key, child] of Object.entries(spec.keys)) {
    const path = prefix ? `${prefix}.${key}` : key;
    specsByPath.set(path, child);
    if (child.kind === 'section') indexSchema(child, path);
    else keysByEnvName.set(envNameFor(path), path);
  }
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const userFile = options.file ?? (env.ROSHI_CONFIG || undefined);
  const files = [defaultConfigFile(), ...(userFile ? [resolve(userFile)] : [])];

  const settings = new Map<string, Setting>();
  for (const file of files) mergeTree(settings, readYamlFile(file), '', file);
  mergeEnv(settings, env);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    if (!specsByPath.has(key)) throw unknownKey(key, value, OVERRIDES_SOURCE);
    mergeTree(settings, value, key, OVERRIDES_SOURCE);
  }

  const config = buildSection(configSchema, '', settings) as RoshiConfig;
  for (const check of crossChecks) {
    if (check.holds(config)) continue;
    const setting = settings.get(check.key);
    throw new ConfigError(check.key, setting?.value, check.expected(config), setting?.source);
  }
  // "" is the documented way to say "the usual place"; relative paths mean relative to where
  // roshi was started, resolved once here so children spawned elsewhere agree.
  config.stateDir = config.stateDir === '' ? defaultStateDir(env) : resolve(process.cwd(), config.stateDir);

  const sources = Object.fromEntries([...settings].map(([key, setting]) => [key, setting.source]));
  return { config, files, sources };
}

/** For `roshi config check`: the files read, then every key not taken from the defaults. */
export function describeSources(loaded: LoadedConfig): string[] {
  const [defaults, ...userFiles] = loaded.files;
  const lines = [`defaults  ${defaults ?? '(none)'}`, ...userFiles.map((file) => `file      ${file}`)];
  for (const [key, source] of Object.entries(loaded.sources)) {
    if (source !== defaults) lines.push(`${key} from ${source}`);
  }
  return lines;
}

/** The environment variable that sets `dottedKey`: nats.embedded.port → ROSHI_NATS__EMBEDDED__PORT. */
export function envNameFor(dottedKey: string): string {
  return ENV_PREFIX + dottedKey.split('.').map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ParseError(`config: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  // The yaml package's messages already say "at line N, column M" and quote the line.
  const doc = YAML.parseDocument(text, { logLevel: 'silent' });
  const [first] = doc.errors;
  if (first) throw new ParseError(`config: ${file} is not valid YAML: ${first.message.trimEnd()}`, { cause: first });
  try {
    return doc.toJS();
  } catch (error) {
    // e.g. an alias to an anchor that does not exist; these carry no position.
    throw new ParseError(`config: ${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
}

/** Records every leaf under `path` in `tree` as coming from `source`, rejecting unknown keys. */
function mergeTree(settings: Map<string, Setting>, tree: unknown, path: string, source: string): void {
  const spec = path === '' ? configSchema : specsByPath.get(path);
  if (spec?.kind !== 'section') {
    settings.set(path, { value: tree, source });
    return;
  }
  // An empty file, or a section whose keys are all commented out, parses to null: nothing to set.
  if (tree === null) return;
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    throw new ConfigError(path || '(top level)', tree, 'a mapping of keys', source);
  }
  for (const [key, value] of Object.entries(tree)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!specsByPath.has(childPath)) throw unknownKey(childPath, value, source);
    mergeTree(settings, value, childPath, source);
  }
}

function mergeEnv(settings: Map<string, Setting>, env: NodeJS.ProcessEnv): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_CONFIG_ENV.has(name) || raw === undefined) continue;
    const key = keysByEnvName.get(name);
    if (key === undefined) throw unknownEnvVar(name, raw);
    settings.set(key, { value: parseEnvValue(raw, specsByPath.get(key) as LeafSpec), source: `env ${name}` });
  }
}

/**
 * Env values are YAML scalars so "true", "5" and "2s" mean what they would in a file. String
 * keys take the text verbatim: a token "12345" must stay a string, and a password containing
 * " #" must not lose its tail to YAML's comment syntax.
 */
function parseEnvValue(raw: string, spec: LeafSpec): unknown {
  if (spec.kind === 'string' || spec.kind === 'nonEmptyString' || spec.kind === 'enum') return raw;
  const doc = YAML.parseDocument(raw, { logLevel: 'silent' });
  if (doc.errors.length > 0) return raw;
  const value: unknown = doc.toJS();
  // A flow mapping or list is not a scalar; keep the text so the error quotes what was written.
  return value !== null && typeof value === 'object' ? raw : value;
}

function buildSection(spec: SectionSpec, path: string, settings: Map<string, Setting>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(spec.keys)) {
    const childPath = path ? `${path}.${key}` : key;
    if (child.kind === 'section') {
      result[key] = buildSection(child, childPath, settings);
      continue;
    }
    const setting = settings.get(childPath);
    const value = validateLeaf(child, setting?.value);
    if (value === invalid) {
      // A key missing after the merge means the defaults file lacks it, which is a roshi bug.
      throw new ConfigError(childPath, setting?.value, describeExpected(child), setting?.source ?? `no layer (${defaultConfigFile()} should define it)`);
    }
    result[key] = value;
  }
  return result;
}

function unknownKey(key: string, value: unknown, source: string): UnknownConfigKeyError {
  const suggestion = closest(key, [...specsByPath.keys()]);
  let hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  if (suggestion === undefined) {
    // Nothing close: listing what is valid at the deepest level that exists helps more than a
    // far-fetched guess.
    let parent = key;
    do parent = parent.includes('.') ? parent.slice(0, parent.lastIndexOf('.')) : '';
    while (parent !== '' && !specsByPath.has(parent));
    const parentSpec = parent === '' ? configSchema : specsByPath.get(parent);
    if (parentSpec?.kind === 'section') {
      hint = `; valid keys ${parent ? `under ${parent}` : 'at the top level'}: ${Object.keys(parentSpec.keys).join(', ')}`;
    }
  }
  return new UnknownConfigKeyError(key, value, source, `config: unknown key ${key} (from ${source})${hint}`);
}

function unknownEnvVar(name: string, raw: string): UnknownConfigKeyError {
  // Compare without the shared ROSHI_ prefix, which would make every name look close.
  const bare = (envName: string) => envName.slice(ENV_PREFIX.length);
  const suggestion = closest(bare(name), [...keysByEnvName.keys()].map(bare));
  const hint =
    suggestion === undefined
      ? `; config/default.yaml lists the keys (ROSHI_<SECTION>__<KEY>, e.g. ROSHI_NATS__URL for nats.url)`
      : `; did you mean ${ENV_PREFIX}${suggestion} (${keysByEnvName.get(ENV_PREFIX + suggestion)})?`;
  const key = bare(name)
    .split('__')
    .map((segment) => segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
  return new UnknownConfigKeyError(key, raw, `env ${name}`, `config: environment variable ${name} is not a config key${hint}`);
}

/**
 * The candidate nearest to `word` by edit distance, ignoring case; undefined when none is close.
 * "Close" is judged against the last segment (after "." or "__"): a long shared path like
 * "nats.embedded." would otherwise make any typo below it look like a near miss.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // Past about half the segment's length a "suggestion" is just another key, and misleads.
  const lastSegment = word.split(/\.|__/).pop() ?? word;
  return bestDistance <= Math.max(2, Math.ceil(lastSegment.length / 2)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
