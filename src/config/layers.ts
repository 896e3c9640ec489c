// Merging the layers (files, environment, overrides) into one map from dotted leaf key to its
// value and the layer that set it last, rejecting unknown keys and bad entry names on the way.
// Validation comes after, on the whole (./buildConfig.ts). docs/configuration.md#layers
import { ConfigError } from '../errors.js';
import { MASK } from '../secrets/scrubber.js';
import { isSecretName } from '../secrets/sources.js';
import { ENV_PREFIX, NON_CONFIG_ENV, parseEnvValue, resolveEnvName } from './envVars.js';
import { shown } from './redaction.js';
import { resolvePath } from './schemaPaths.js';
import { ENTRY_NAME_PATTERN, type KeySpec, type RecordSpec } from './spec.js';
import { closest, UnknownConfigKeyError, unknownEnvVar, unknownKey } from './unknownKeys.js';

const OVERRIDES_SOURCE = 'overrides';
/** The source of a record entry's key that no layer set. */
export const ENTRY_DEFAULTS_SOURCE = 'entry defaults (src/config/schema.ts)';

export interface Setting {
  value: unknown;
  source: string;
}

/** Everything the layers said, before validation. */
export interface Layers {
  /** Dotted leaf key → its value and the layer that set it last. */
  settings: Map<string, Setting>;
  /** Record path → the names of its entries, each with the first layer that named it. */
  entries: Map<string, Map<string, string>>;
  /** Leaves of record entries filled from the entry defaults. */
  defaulted: Set<string>;
}

export function emptyLayers(): Layers {
  return { settings: new Map(), entries: new Map(), defaulted: new Set() };
}

/** Records every leaf under `path` in `tree` as coming from `source`, rejecting unknown keys. */
export function mergeTree(layers: Layers, tree: unknown, path: string, spec: KeySpec, source: string): void {
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

/** The ROSHI_* variables of `env` that are config keys; any other ROSHI_* name is an error. */
export function mergeEnv(layers: Layers, env: NodeJS.ProcessEnv): void {
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

/** CLI overrides, { 'dotted.key': value }; undefined values are skipped. */
export function mergeOverrides(layers: Layers, overrides: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const resolved = resolvePath(key);
    if (!resolved) throw unknownKey(key, value, OVERRIDES_SOURCE);
    for (const { recordPath, record, name } of resolved.entries)
      addEntry(layers, recordPath, record, name, OVERRIDES_SOURCE);
    mergeTree(layers, value, key, resolved.spec, OVERRIDES_SOURCE);
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
