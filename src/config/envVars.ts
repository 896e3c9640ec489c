// Config keys as environment variables: ROSHI_NATS__URL sets nats.url, ROSHI_PROJECTS__APP__PATH
// sets projects.app.path, and the value is read as YAML would read it. docs/configuration.md#environment-variables
import YAML from 'yaml';
import { configSchema } from './schema.js';
import type { EntryStep } from './schemaPaths.js';
import type { KeySpec, LeafSpec } from './spec.js';

export const ENV_PREFIX = 'ROSHI_';

/**
 * ROSHI_* variables that are not config keys: the config file itself and process plumbing
 * (docs/configuration.md#roshi_-variables-that-are-not-config-keys).
 */
export const NON_CONFIG_ENV: ReadonlySet<string> = new Set([
  'ROSHI_CONFIG',
  'ROSHI_FAULTS', // fault injection for tests and drills (src/actors/host.ts)
  'ROSHI_LIFELINE', // supervisor-liveness pipe handed to children (src/actors/lifeline.ts)
  'ROSHI_AGENT_OF', // marks an agent's processes with their runner (src/adapters/agent/orphans.ts)
  'ROSHI_TREE_STARTED_AT', // when the supervisor started, for start-paused (src/missions/pauseService.ts)
  'ROSHI_TEST_RUN', // marks processes the test suite started (tests/harness/processes.ts)
]);

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

/**
 * The leaf an environment variable sets: ROSHI_A__B_C → a.bC. Inside a record the segment after
 * the record's is the entry name, lower-cased: ROSHI_PROJECTS__APP__PATH → projects.app.path.
 */
export function resolveEnvName(name: string): { key: string; spec: LeafSpec; entries: EntryStep[] } | undefined {
  const segments = name.slice(ENV_PREFIX.length).split('__');
  const entries: EntryStep[] = [];
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
export function parseEnvValue(raw: string, spec: LeafSpec): unknown {
  if (spec.kind === 'string' || spec.kind === 'nonEmptyString' || spec.kind === 'enum') return raw;
  const doc = YAML.parseDocument(raw, { logLevel: 'silent' });
  if (doc.errors.length > 0) return raw;
  const value: unknown = doc.toJS();
  if (spec.kind === 'stringList' || spec.kind === 'stringMap') return value;
  // A flow mapping or list is not a scalar; keep the text so the error quotes what was written.
  return value !== null && typeof value === 'object' ? raw : value;
}
