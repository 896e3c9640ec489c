// Loading the configuration: four layers merged key by key (later wins), then validated as a
// whole. Each leaf remembers which layer set it, so an error can tell the operator exactly
// which file or environment variable to fix.
//
//   1. config/default.yaml  (every key; the only place defaults are written)
//   2. the user file        (options.file, else $ROSHI_CONFIG)
//   3. environment          (ROSHI_NATS__URL → nats.url, ROSHI_STATE_DIR → stateDir,
//                            ROSHI_PROJECTS__APP__PATH → projects.app.path)
//   4. overrides            (CLI flags, as { 'dotted.key': value })
//
// Record entries (projects.app) exist once any layer names them, and merge key by key like
// sections; keys no layer sets take the record's entry defaults (src/config/schema.ts).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError, ParseError } from '../errors.js';
import { defaultConfigFile, defaultStateDir } from '../paths.js';
import { MASK, scrubText } from '../secrets/scrubber.js';
import { isSecretName } from '../secrets/sources.js';
import { nearest } from '../text/suggest.js';
import {
  checkLeaf,
  configSchema,
  crossChecks,
  ENTRY_NAME_PATTERN,
  type KeySpec,
  type LeafSpec,
  type RecordSpec,
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
  /**
   * Dotted leaf key → where its value came from: a file path, "env ROSHI_…", "overrides", or
   * ENTRY_DEFAULTS_SOURCE for a record entry's key that no layer set.
   */
  sources: Record<string, string>;
}

/** ROSHI_* variables that are not config keys: the config file itself and process plumbing. */
export const NON_CONFIG_ENV: ReadonlySet<string> = new Set([
  'ROSHI_CONFIG',
  'ROSHI_FAULTS', // fault injection for tests and drills (src/actors/host.ts)
  'ROSHI_LIFELINE', // supervisor-liveness pipe handed to children (src/actors/lifeline.ts)
  'ROSHI_AGENT_OF', // marks an agent's processes with their runner (src/adapters/agent/orphans.ts)
  'ROSHI_TREE_STARTED_AT', // when the supervisor started, for start-paused (src/missions/pauseService.ts)
  'ROSHI_TEST_RUN', // marks processes the test suite started (tests/harness/processes.ts)
]);

const ENV_PREFIX = 'ROSHI_';
const OVERRIDES_SOURCE = 'overrides';
/** The source of a record entry's key that no layer set. */
export const ENTRY_DEFAULTS_SOURCE = 'entry defaults (src/config/schema.ts)';

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

/** Everything the layers said, before validation. */
interface Layers {
  /** Dotted leaf key → its value and the layer that set it last. */
  settings: Map<string, Setting>;
  /** Record path → the names of its entries, each with the first layer that named it. */
  entries: Map<string, Map<string, string>>;
  /** Leaves of record entries filled from the entry defaults. */
  defaulted: Set<string>;
}

/** Every dotted path in the schema outside record entries (sections, records, leaves) → its spec. */
const specsByPath = new Map<string, KeySpec>();
/** ROSHI_NATS__URL → nats.url, for leaves outside records: a whole section cannot come from one variable. */
const keysByEnvName = new Map<string, string>();
/** Paths of the records outside record entries: projects, agent.roles. */
const recordPaths: string[] = [];

indexSchema(configSchema, '');

function indexSchema(spec: SectionSpec, prefix: string): void {
  for (const [key, child] of Object.entries(spec.keys)) {
    const path = prefix ? `${prefix}.${key}` : key;
    specsByPath.set(path, child);
    if (child.kind === 'section') indexSchema(child, path);
    else if (child.kind === 'record') recordPaths.push(path);
    else keysByEnvName.set(envNameFor(path), path);
  }
}

/** The dotted paths inside a section (sub-sections and leaves), relative to it. */
function pathsIn(spec: SectionSpec, prefix = ''): string[] {
  return Object.entries(spec.keys).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return child.kind === 'section' ? [path, ...pathsIn(child, path)] : [path];
  });
}

interface Resolved {
  spec: KeySpec;
  /** The record entries the path passes through, outermost first. */
  entries: { recordPath: string; record: RecordSpec; name: string }[];
}

/**
 * The spec at a dotted path, which may pass through record entries ("projects.app.path"). An
 * entry name may itself contain dots, so each split is tried, shortest name first; a dotted
 * name must be followed by a key ("projects.my.app.path"), or "projects.app.pht" would mean
 * an entry named "app.pht" instead of a typo.
 */
function resolvePath(path: string): Resolved | undefined {
  return resolveIn(configSchema, '', path === '' ? [] : path.split('.'));
}

function resolveIn(spec: KeySpec, prefix: string, segments: string[]): Resolved | undefined {
  if (segments.length === 0) return { spec, entries: [] };
  if (spec.kind === 'section') {
    const [key = '', ...rest] = segments;
    const child = Object.hasOwn(spec.keys, key) ? spec.keys[key] : undefined;
    return child && resolveIn(child, prefix ? `${prefix}.${key}` : key, rest);
  }
  if (spec.kind !== 'record') return undefined;
  for (let end = 1; end <= (segments.length === 1 ? 1 : segments.length - 1); end++) {
    const name = segments.slice(0, end).join('.');
    const inner = resolveIn(spec.entry, `${prefix}.${name}`, segments.slice(end));
    if (inner) return { spec: inner.spec, entries: [{ recordPath: prefix, record: spec, name }, ...inner.entries] };
  }
  return undefined;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const userFile = options.file ?? (env.ROSHI_CONFIG || undefined);
  const files = [defaultConfigFile(), ...(userFile ? [resolve(userFile)] : [])];

  const layers: Layers = { settings: new Map(), entries: new Map(), defaulted: new Set() };
  for (const file of files) mergeTree(layers, readYamlFile(file), '', configSchema, file);
  mergeEnv(layers, env);
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    const resolved = resolvePath(key);
    if (!resolved) throw unknownKey(key, value, OVERRIDES_SOURCE);
    for (const { recordPath, record, name } of resolved.entries)
      addEntry(layers, recordPath, record, name, OVERRIDES_SOURCE);
    mergeTree(layers, value, key, resolved.spec, OVERRIDES_SOURCE);
  }

  const config = buildSection(configSchema, '', layers) as RoshiConfig;
  for (const check of crossChecks) {
    const violation = check(config);
    if (!violation) continue;
    const setting = layers.settings.get(violation.key);
    // A key filled from entry defaults was set by no one: blame the layer that created the entry.
    throw new ConfigError(
      violation.key,
      shown(violation.key, setting?.value, setting?.source),
      violation.expected,
      setting?.source ?? entrySourceOf(layers, violation.key),
    );
  }
  resolveDerived(config, env);

  const sources: Record<string, string> = {};
  for (const [key, setting] of layers.settings) sources[key] = setting.source;
  for (const key of layers.defaulted) sources[key] = ENTRY_DEFAULTS_SOURCE;
  return { config, files, sources };
}

/**
 * Turns the documented "" shorthands into what they stand for, once here so every process
 * (and children spawned in another directory) agrees. Relative paths are taken from the
 * directory roshi was started in.
 */
function resolveDerived(config: RoshiConfig, env: NodeJS.ProcessEnv): void {
  const cwd = process.cwd();
  config.stateDir = config.stateDir === '' ? defaultStateDir(env) : resolve(cwd, config.stateDir);
  config.workspace = config.workspace === '' ? join(config.stateDir, 'workspace') : resolve(cwd, config.workspace);
  config.missions.file =
    config.missions.file === '' ? join(config.stateDir, 'missions.md') : resolve(cwd, config.missions.file);
  for (const project of Object.values(config.projects)) {
    if (project.path !== '') project.path = resolve(cwd, project.path);
    if (project.pushRemote === '') project.pushRemote = project.remote;
  }
  const names = Object.keys(config.projects);
  if (config.defaultProject === '' && names.length === 1) config.defaultProject = names[0] ?? '';
}

/** The source of the innermost record entry that `key` lies in. */
function entrySourceOf(layers: Layers, key: string): string | undefined {
  let best: { length: number; source: string } | undefined;
  for (const [recordPath, names] of layers.entries) {
    for (const [name, source] of names) {
      const entryPath = `${recordPath}.${name}`;
      if (key.startsWith(`${entryPath}.`) && entryPath.length > (best?.length ?? -1))
        best = { length: entryPath.length, source };
    }
  }
  return best?.source;
}

/** For `roshi config check`: the files read, then every key not taken from the defaults. */
export function describeSources(loaded: LoadedConfig): string[] {
  const [defaults, ...userFiles] = loaded.files;
  const lines = [`defaults  ${defaults ?? '(none)'}`, ...userFiles.map((file) => `file      ${file}`)];
  for (const [key, source] of Object.entries(loaded.sources)) {
    if (source !== defaults && source !== ENTRY_DEFAULTS_SOURCE) lines.push(`${key} from ${source}`);
  }
  return lines;
}

/**
 * The environment variable that sets `dottedKey`: nats.embedded.port → ROSHI_NATS__EMBEDDED__PORT,
 * projects.app.baseBranch → ROSHI_PROJECTS__APP__BASE_BRANCH.
 */
export function envNameFor(dottedKey: string): string {
  return ENV_PREFIX + dottedKey.split('.').map(envSegment).join('__');
}

function envSegment(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ParseError(`config: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  // The yaml package's messages say "at line N, column M" on their first line, then quote the
  // line itself: that quote may hold a secret (a half-written `password: "…`), so it is left out.
  const doc = YAML.parseDocument(text, { logLevel: 'silent' });
  const [first] = doc.errors;
  if (first) throw new ParseError(`config: ${file} is not valid YAML: ${firstLine(first.message)}`);
  try {
    return doc.toJS();
  } catch (error) {
    // e.g. an alias to an anchor that does not exist; these carry no position.
    throw new ParseError(`config: ${file} is not valid YAML: ${firstLine((error as Error).message)}`);
  }
}

/** Records every leaf under `path` in `tree` as coming from `source`, rejecting unknown keys. */
function mergeTree(layers: Layers, tree: unknown, path: string, spec: KeySpec, source: string): void {
  if (spec.kind !== 'section' && spec.kind !== 'record') {
    layers.settings.set(path, { value: tree, source });
    return;
  }
  // An empty file, or a section whose keys are all commented out, parses to null: nothing to set.
  // For a record entry (`app:` with nothing under it) that means an entry with every default.
  if (tree === null) return;
  if (typeof tree !== 'object' || Array.isArray(tree)) {
    const expected =
      spec.kind === 'section'
        ? 'a mapping of keys'
        : `a mapping from names to entries (${Object.keys(spec.entry.keys).join(', ')})`;
    throw new ConfigError(path || '(top level)', shown(path, tree, source), expected, source);
  }
  for (const [key, value] of Object.entries(tree)) {
    const childPath = path ? `${path}.${key}` : key;
    if (spec.kind === 'record') {
      addEntry(layers, path, spec, key, source);
      mergeTree(layers, value, childPath, spec.entry, source);
      continue;
    }
    const child = Object.hasOwn(spec.keys, key) ? spec.keys[key] : undefined;
    if (!child) throw unknownKey(childPath, shown(childPath, value, source), source);
    mergeTree(layers, value, childPath, child, source);
  }
}

/** Notes that a layer named record entry `name`, after checking the name. */
function addEntry(layers: Layers, recordPath: string, record: RecordSpec, name: string, source: string): void {
  const key = `${recordPath}.${name}`;
  if (record.names ? !record.names.includes(name) : !ENTRY_NAME_PATTERN.test(name)) {
    const allowed = record.names
      ? `names under ${recordPath} are ${record.names.join(', ')}`
      : `names under ${recordPath} are letters, digits, ".", "_" and "-", starting with a letter or digit`;
    const suggestion = record.names && closest(name, record.names);
    const hint = suggestion === undefined ? allowed : `did you mean ${recordPath}.${suggestion}? (${allowed})`;
    throw new UnknownConfigKeyError(
      key,
      name,
      source,
      `config: ${JSON.stringify(name)} is not a valid name under ${recordPath} (from ${source}); ${hint}`,
    );
  }
  let names = layers.entries.get(recordPath);
  if (!names) layers.entries.set(recordPath, (names = new Map()));
  if (!names.has(name)) names.set(name, source);
}

function mergeEnv(layers: Layers, env: NodeJS.ProcessEnv): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_CONFIG_ENV.has(name) || raw === undefined) continue;
    const resolved = resolveEnvName(name);
    if (!resolved) throw unknownEnvVar(name, isSecretName(name) ? MASK : raw);
    const source = `env ${name}`;
    for (const { recordPath, record, name: entry } of resolved.entries)
      addEntry(layers, recordPath, record, entry, source);
    layers.settings.set(resolved.key, { value: parseEnvValue(raw, resolved.spec), source });
  }
}

/**
 * The leaf an environment variable sets: ROSHI_A__B_C → a.bC. Inside a record the segment after
 * the record's is the entry name, lower-cased: ROSHI_PROJECTS__APP__PATH → projects.app.path.
 */
function resolveEnvName(name: string): { key: string; spec: LeafSpec; entries: Resolved['entries'] } | undefined {
  const segments = name.slice(ENV_PREFIX.length).split('__');
  const entries: Resolved['entries'] = [];
  const path: string[] = [];
  let spec: KeySpec = configSchema;
  for (const segment of segments) {
    if (spec.kind === 'section') {
      const found: [string, KeySpec] | undefined = Object.entries(spec.keys).find(
        ([key]) => envSegment(key) === segment,
      );
      if (!found) return undefined;
      path.push(found[0]);
      spec = found[1];
    } else if (spec.kind === 'record') {
      const entry = segment.toLowerCase();
      entries.push({ recordPath: path.join('.'), record: spec, name: entry });
      path.push(entry);
      spec = spec.entry;
    } else {
      return undefined;
    }
  }
  return spec.kind === 'section' || spec.kind === 'record' ? undefined : { key: path.join('.'), spec, entries };
}

/**
 * Env values are YAML scalars so "true", "5" and "2s" mean what they would in a file. String
 * keys take the text verbatim: a token "12345" must stay a string, and a password containing
 * " #" must not lose its tail to YAML's comment syntax. Lists and maps are YAML flow
 * collections: ROSHI_AGENT__ALLOWED_TOOLS='[Read, Bash]'.
 */
function parseEnvValue(raw: string, spec: LeafSpec): unknown {
  if (spec.kind === 'string' || spec.kind === 'nonEmptyString' || spec.kind === 'enum') return raw;
  const doc = YAML.parseDocument(raw, { logLevel: 'silent' });
  if (doc.errors.length > 0) return raw;
  const value: unknown = doc.toJS();
  if (spec.kind === 'stringList' || spec.kind === 'stringMap') return value;
  // A flow mapping or list is not a scalar; keep the text so the error quotes what was written.
  return value !== null && typeof value === 'object' ? raw : value;
}

function buildSection(spec: SectionSpec, path: string, layers: Layers, defaults?: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(spec.keys)) {
    const childPath = path ? `${path}.${key}` : key;
    const childDefaults: unknown = defaults === undefined ? undefined : (defaults as Record<string, unknown>)[key];
    if (child.kind === 'section') {
      result[key] = buildSection(child, childPath, layers, childDefaults as object | undefined);
      continue;
    }
    if (child.kind === 'record') {
      const entries: Record<string, unknown> = {};
      for (const name of layers.entries.get(childPath)?.keys() ?? []) {
        entries[name] = buildSection(child.entry, `${childPath}.${name}`, layers, child.defaults);
      }
      result[key] = entries;
      continue;
    }
    let setting = layers.settings.get(childPath);
    if (!setting && childDefaults !== undefined) {
      setting = { value: childDefaults, source: ENTRY_DEFAULTS_SOURCE };
      layers.defaulted.add(childPath);
    }
    const checked = checkLeaf(child, setting?.value);
    if (!checked.ok) {
      // A key missing after the merge means the defaults file lacks it, which is a roshi bug.
      const expected =
        key.endsWith('Env') && looksLikeToken(checked.value)
          ? `${checked.expected} (${PASTED_TOKEN_HINT})`
          : checked.expected;
      throw new ConfigError(
        childPath + checked.at,
        shown(childPath + checked.at, checked.value, setting?.source),
        expected,
        setting?.source ?? `no layer (${defaultConfigFile()} should define it)`,
      );
    }
    // A GitHub token is a valid variable name (ghp_…): a token pasted where its variable's name
    // belongs would pass the check above, then be logged and shown as that "name".
    if (key.endsWith('Env') && looksLikeToken(checked.value)) {
      throw new ConfigError(
        childPath,
        MASK,
        `the name of an environment variable (${PASTED_TOKEN_HINT})`,
        setting?.source,
      );
    }
    result[key] = checked.value;
  }
  return result;
}

function unknownKey(key: string, value: unknown, source: string): UnknownConfigKeyError {
  // The deepest level of the key that exists: its keys are what was probably meant.
  let parent = key;
  let resolved: Resolved | undefined;
  do {
    parent = parent.includes('.') ? parent.slice(0, parent.lastIndexOf('.')) : '';
    resolved = resolvePath(parent);
  } while (parent !== '' && !resolved);
  const candidates = [...specsByPath.keys()];
  // Inside a record entry, the entry's own keys are candidates too (projects.app.baseBranch).
  const entry = resolved?.entries.at(-1);
  if (entry) candidates.push(...pathsIn(entry.record.entry).map((p) => `${entry.recordPath}.${entry.name}.${p}`));
  const suggestion = closest(key, candidates);
  let hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
  if (suggestion === undefined && resolved?.spec.kind === 'section') {
    // Nothing close: listing what is valid there helps more than a far-fetched guess.
    hint = `; valid keys ${parent ? `under ${parent}` : 'at the top level'}: ${Object.keys(resolved.spec.keys).join(', ')}`;
  }
  return new UnknownConfigKeyError(key, value, source, `config: unknown key ${key} (from ${source})${hint}`);
}

function unknownEnvVar(name: string, raw: string): UnknownConfigKeyError {
  // Compare without the shared ROSHI_ prefix, which would make every name look close.
  const bare = (envName: string) => envName.slice(ENV_PREFIX.length);
  const known = new Map(keysByEnvName);
  // Inside a record entry (ROSHI_PROJECTS__APP__…), the entry's own keys are candidates too.
  for (const recordPath of recordPaths) {
    const prefix = `${envNameFor(recordPath)}__`;
    const entry = name.startsWith(prefix) ? name.slice(prefix.length).split('__')[0]?.toLowerCase() : undefined;
    const record = specsByPath.get(recordPath);
    if (!entry || record?.kind !== 'record') continue;
    for (const path of pathsIn(record.entry)) {
      if (resolvePath(`${recordPath}.${entry}.${path}`)?.spec.kind === 'section') continue;
      const key = `${recordPath}.${entry}.${path}`;
      known.set(envNameFor(key), key);
    }
  }
  const suggestion = closest(bare(name), [...known.keys()].map(bare));
  const hint =
    suggestion === undefined
      ? `; config/default.yaml lists the keys (ROSHI_<SECTION>__<KEY>, e.g. ROSHI_NATS__URL for nats.url)`
      : `; did you mean ${ENV_PREFIX}${suggestion} (${known.get(ENV_PREFIX + suggestion)})?`;
  const key = bare(name)
    .split('__')
    .map((segment) => segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
    .join('.');
  return new UnknownConfigKeyError(
    key,
    raw,
    `env ${name}`,
    `config: environment variable ${name} is not a config key${hint}`,
  );
}

/**
 * The candidate nearest to `word` by edit distance, ignoring case; undefined when none is close.
 * "Close" is judged against the last segment (after "." or "__"): a long shared path like
 * "nats.embedded." would otherwise make any typo below it look like a near miss.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  // Past about half the segment's length a "suggestion" is just another key, and misleads.
  const lastSegment = word.split(/\.|__/).pop() ?? word;
  const limit = Math.max(2, Math.ceil(lastSegment.length / 2));
  return nearest(word, candidates, () => limit);
}

// ─── secrets in error messages ─────────────────────────────────────────────────────────────────

const PASTED_TOKEN_HINT =
  "this looks like a token itself: put the token in an environment variable and write that variable's name here";

/**
 * A config key whose value is a secret (nats.password, agent.env.ANTHROPIC_API_KEY) or the name
 * of one (github.tokenEnv: a pasted token lands there).
 */
function isSecretKey(key: string): boolean {
  if (key === 'agent.env') return true; // literal variables, some of them secrets
  const last = (key.split('.').pop() ?? key).replace(/\[\d+\]$/, '');
  return isSecretName(last) || last.endsWith('Env');
}

/**
 * The value a config error may show: `[redacted]` for a key that holds a secret or a secret's
 * variable name, for a value from a variable whose name says secret, and for any value that
 * looks like a token. Errors are printed, logged and sent to chat; a secret must not ride along.
 */
function shown(key: string, value: unknown, source: string | undefined): unknown {
  if (value === undefined || value === null || value === '') return value;
  const envName = source?.startsWith('env ') ? source.slice(4) : undefined;
  if (isSecretKey(key) || (envName !== undefined && isSecretName(envName))) return MASK;
  return looksLikeToken(value) ? MASK : value;
}

function looksLikeToken(value: unknown): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return scrubText(text) !== text;
}

function firstLine(message: string): string {
  return scrubText(message.split('\n')[0]?.trimEnd() ?? '');
}
