// The vocabulary the config schema is written in: leaves (typed values), sections (fixed keys)
// and records (entries the user names), and the validated value type each one yields. The table
// written in it is ./schema.ts; the constructors are ./specBuilders.ts.

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
