// Finding the spec a dotted key names ("nats.url", "projects.app.path"), including keys inside
// record entries whose names the user chose.
import { configSchema } from './schema.js';
import type { KeySpec, RecordSpec, SectionSpec } from './spec.js';

/** Every dotted path in the schema outside record entries (sections, records, leaves) → its spec. */
export const specsByPath = new Map<string, KeySpec>();
/** Paths of the records outside record entries: projects, agent.roles. */
export const recordPaths: string[] = [];

indexSchema(configSchema, '');

function indexSchema(spec: SectionSpec, prefix: string): void {
  for (const [key, child] of Object.entries(spec.keys)) {
    const path = prefix ? `${prefix}.${key}` : key;
    specsByPath.set(path, child);
    if (child.kind === 'section') indexSchema(child, path);
    else if (child.kind === 'record') recordPaths.push(path);
  }
}

/** The dotted paths inside a section (sub-sections and leaves), relative to it. */
export function pathsIn(spec: SectionSpec, prefix = ''): string[] {
  return Object.entries(spec.keys).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return child.kind === 'section' ? [path, ...pathsIn(child, path)] : [path];
  });
}

/** A record entry a dotted key passes through. */
export interface EntryStep {
  recordPath: string;
  record: RecordSpec;
  name: string;
}

export interface Resolved {
  spec: KeySpec;
  /** The record entries the path passes through, outermost first. */
  entries: EntryStep[];
}

/**
 * The spec at a dotted path, which may pass through record entries ("projects.app.path"). An
 * entry name may itself contain dots, so each split is tried, shortest name first; a dotted
 * name must be followed by a key ("projects.my.app.path"), or "projects.app.pht" would mean
 * an entry named "app.pht" instead of a typo.
 */
export function resolvePath(path: string): Resolved | undefined {
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
