// Checking one leaf value against its spec, and phrasing what it should have been: the words
// every "expected …" in a config error comes from (docs/configuration.md#values).
import { DURATION_FORMAT, formatDuration, tryParseDuration } from './duration.js';
import type { LeafSpec } from './spec.js';

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
