// Model and effort resolution (behaviours.md, "Launching agents"): candidates in order project →
// role → default; an empty value is skipped silently, an invalid one is reported (for the caller
// to log) and skipped; nothing resolves → undefined, i.e. the CLI's own default. Nothing invalid
// is ever returned, so nothing invalid reaches argv. Pure.
//
// The CLI itself (2.1.197) passes any --model value through to the API unchecked (a request for
// `bogus-model` was sent as is), and ignores an unknown --effort with a warning on stderr, so
// this validation is the only guard.

export type ConfigLevel = 'project' | 'role' | 'default';

export interface Candidate {
  level: ConfigLevel | string;
  value: string | undefined | null;
}

export interface Rejection {
  level: string;
  value: string;
  reason: string;
}

export interface Resolution {
  /** The first valid value, trimmed; undefined when there is none. */
  value?: string;
  /** The level it came from. */
  level?: string;
  /** Invalid values met on the way, in order. */
  rejected: Rejection[];
}

/** Full model names, validated structurally rather than against a list that would go stale. */
export const MODEL_NAME = /^claude-[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
/**
 * Aliases the CLI resolves itself. `claude --help` names opus, sonnet and fable; haiku was
 * checked against a scripted API (sent as claude-haiku-4-5-…).
 */
export const MODEL_ALIASES: readonly string[] = ['opus', 'sonnet', 'haiku', 'fable'];
/** The values `claude --help` lists for --effort. */
export const EFFORT_LEVELS: readonly string[] = ['low', 'medium', 'high', 'xhigh', 'max'];

export function isValidModel(value: string): boolean {
  return MODEL_NAME.test(value) || MODEL_ALIASES.includes(value);
}

export function isValidEffort(value: string): boolean {
  return EFFORT_LEVELS.includes(value);
}

export function resolveModel(candidates: readonly Candidate[]): Resolution {
  return resolveFirst(candidates, (v) =>
    isValidModel(v) ? undefined : `not a model name (expected claude-… or one of ${MODEL_ALIASES.join(', ')})`,
  );
}

export function resolveEffort(candidates: readonly Candidate[]): Resolution {
  return resolveFirst(candidates, (v) =>
    isValidEffort(v) ? undefined : `not an effort level (expected one of ${EFFORT_LEVELS.join(', ')})`,
  );
}

function resolveFirst(candidates: readonly Candidate[], invalid: (value: string) => string | undefined): Resolution {
  const rejected: Rejection[] = [];
  for (const { level, value } of candidates) {
    if (value === undefined || value === null) continue;
    const trimmed = value.trim();
    if (trimmed === '') continue;
    const reason = invalid(trimmed);
    if (reason === undefined) return { value: trimmed, level, rejected };
    rejected.push({ level, value, reason });
  }
  return { rejected };
}
