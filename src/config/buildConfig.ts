// Turning the merged layers into a RoshiConfig: every leaf checked against its spec (record
// entries filled from their defaults), then the cross-checks. Each error names the key, what it
// should be and the layer that set it. docs/configuration.md#checking
import { ConfigError } from '../errors.js';
import { defaultConfigFile } from '../paths.js';
import { MASK } from '../secrets/scrubber.js';
import { crossChecks } from './crossChecks.js';
import { ENTRY_DEFAULTS_SOURCE, type Layers } from './layers.js';
import { checkLeaf } from './leafCheck.js';
import { looksLikeToken, PASTED_TOKEN_HINT, shown } from './redaction.js';
import { configSchema, type RoshiConfig } from './schema.js';
import type { SectionSpec } from './spec.js';

export function buildConfig(layers: Layers): RoshiConfig {
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
  return config;
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
