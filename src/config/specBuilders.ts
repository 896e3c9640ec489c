// Small constructors so the schema reads like a table, plus the leaves several sections share.
// The `const` type parameters keep enum values and section keys as literals, which is what lets
// RoshiConfig be derived from the schema (./schema.ts).
import type { CustomCheck, KeySpec, SectionSpec, ValueOf } from './spec.js';

export const string = (check?: CustomCheck) => ({ kind: 'string', ...(check ? { check } : {}) }) as const;
export const nonEmptyString = () => ({ kind: 'nonEmptyString' }) as const;
export const boolean = () => ({ kind: 'boolean' }) as const;
export const integer = (min?: number, max?: number) => ({ kind: 'integer', min, max }) as const;
export const number = (min?: number, max?: number) => ({ kind: 'number', min, max }) as const;
export const duration = (min?: number) => ({ kind: 'duration', min }) as const;
export const oneOf = <const V extends readonly string[]>(...values: V) => ({ kind: 'enum', values }) as const;
export const section = <const K extends { readonly [key: string]: KeySpec }>(keys: K) =>
  ({ kind: 'section', keys }) as const;
export const stringList = () => ({ kind: 'stringList' }) as const;
export const stringMap = () => ({ kind: 'stringMap' }) as const;
/** `defaults` is a complete entry, in validated form (durations in milliseconds). */
export const record = <const S extends SectionSpec>(entry: S, defaults: ValueOf<S>, names?: readonly string[]) =>
  ({ kind: 'record', entry, defaults, ...(names ? { names } : {}) }) as const;

/** The NAME of an environment variable that holds a secret; the secret never sits in config. */
export const envName = () =>
  string({
    test: (v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v),
    expected: 'the name of an environment variable, e.g. GITHUB_TOKEN',
  });

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** An API base URL (GitHub, Telegram, Slack). */
export const httpUrl = () => string({ test: isHttpUrl, expected: 'an http:// or https:// URL' });
