// The error for a key that does not exist, in a file, an env var or a CLI override, with the
// nearest valid key as a suggestion (or the valid keys there when nothing is close).
import { ConfigError } from '../errors.js';
import { nearest } from '../text/suggest.js';
import { ENV_PREFIX, envNameFor } from './envVars.js';
import { pathsIn, type Resolved, recordPaths, resolvePath, specsByPath } from './schemaPaths.js';

/** A config key named where none exists: a typo in a file, an env var or a CLI override. */
export class UnknownConfigKeyError extends ConfigError {
  constructor(key: string, value: unknown, source: string, message: string) {
    super(key, value, 'a known key', source);
    this.message = message;
  }
}

/** ROSHI_NATS__URL → nats.url, for leaves outside records: a whole section cannot come from one variable. */
const keysByEnvName = new Map<string, string>();
for (const [path, spec] of specsByPath) {
  if (spec.kind !== 'section' && spec.kind !== 'record') keysByEnvName.set(envNameFor(path), path);
}

export function unknownKey(key: string, value: unknown, source: string): UnknownConfigKeyError {
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

export function unknownEnvVar(name: string, raw: string): UnknownConfigKeyError {
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
