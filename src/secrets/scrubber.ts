// The one scrubber: every text that leaves roshi (bus payloads, KV records, log lines, the
// journal, run logs, chat and PR text) passes through here. It masks the values of the secrets
// this process knows (configured once at start-up) and the shapes of common tokens, so a token
// an agent prints is masked even when roshi never knew its value.
//
// It runs on every publish and log line: one precompiled RegExp per form (plain and JSON-escaped),
// one pass over the text (bench/scrubber.mjs measures it on 1 MB of agent output).

export const MASK = '[redacted]';

/** Values shorter than this are not masked: masking "true" or "1234" would garble ordinary text. */
export const MIN_SECRET_LENGTH = 8;

/**
 * Token shapes masked whatever their value: GitHub (classic and fine-grained), Anthropic, Slack
 * (bot, user, app-level, config/refresh tokens), Telegram bot tokens and Matrix (Synapse) access tokens.
 */
const TOKEN_SHAPES: readonly string[] = [
  String.raw`\bgh[pousr]_[A-Za-z0-9]{20,}`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{20,}`,
  String.raw`\bsk-ant-[A-Za-z0-9_-]{16,}`,
  String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
  String.raw`\bxapp-[A-Za-z0-9-]{10,}`,
  String.raw`\b\d{6,}:[A-Za-z0-9_-]{30,}`,
  String.raw`\bsyt_[A-Za-z0-9_-]{20,}`,
];

interface Compiled {
  /** Values and shapes in one alternation; values first and longest first, so an overlap masks whole. */
  pattern: RegExp;
}

let plain: Compiled;
let json: Compiled;
let known: string[] = [];

configureSecrets([]);

/**
 * Sets the secret values this process knows (replacing any set before). Called once at start-up
 * with {@link secretValuesFrom}; values shorter than {@link MIN_SECRET_LENGTH} are ignored.
 */
export function configureSecrets(values: Iterable<string>): void {
  known = [...new Set([...values].filter((value) => typeof value === 'string' && value.length >= MIN_SECRET_LENGTH))];
  plain = compile(known);
  // Inside JSON text a value appears escaped (a quote or backslash in a password): look for that form.
  json = compile(known.map((value) => JSON.stringify(value).slice(1, -1)));
}

/** Adds values learnt after start-up (e.g. a credential generated for this tree start). */
export function addSecrets(values: Iterable<string>): void {
  configureSecrets([...known, ...values]);
}

/** The values currently masked (for tests and `config check`; never log them). */
export function knownSecretCount(): number {
  return known.length;
}

/** `text` with every known secret value and every token shape replaced by {@link MASK}. */
export function scrubText(text: string): string {
  return scrubWith(plain, text);
}

/**
 * Scrubs serialized JSON: values are matched in their JSON-escaped form and the mask is
 * JSON-safe, so the result is still valid JSON. Cheaper than {@link scrubValue} on a whole
 * payload because it scans one string instead of walking the object.
 */
export function scrubJson(jsonText: string): string {
  return scrubWith(json, jsonText);
}

/** A deep copy of `value` with every string (keys kept) scrubbed; non-plain objects are kept as they are. */
export function scrubValue<T>(value: T): T {
  return scrubAny(value, new WeakMap()) as T;
}

function scrubAny(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(scrubAny(item, seen));
    return copy;
  }
  if (value instanceof Error) {
    const copy = new (value.constructor as ErrorConstructor)(scrubText(value.message));
    seen.set(value, copy);
    if (value.stack) copy.stack = scrubText(value.stack);
    for (const [key, item] of Object.entries(value))
      (copy as unknown as Record<string, unknown>)[key] = scrubAny(item, seen);
    return copy;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // Dates, Buffers, class instances
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) copy[key] = scrubAny(item, seen);
  return copy;
}

/**
 * One pass of one precompiled regex. (Measured: pre-checks with indexOf per value and per token
 * prefix cost more than the regex itself, ~0.3 ms per MiB per scan, so there are none; replace
 * returns the very same string when nothing matches.)
 */
function scrubWith(compiled: Compiled, text: string): string {
  if (text.length < MIN_SECRET_LENGTH) return text;
  compiled.pattern.lastIndex = 0;
  return text.replace(compiled.pattern, MASK);
}

function compile(values: readonly string[]): Compiled {
  const sorted = [...new Set(values)].sort((a, b) => b.length - a.length);
  const alternatives = [...sorted.map(escapeRegExp), ...TOKEN_SHAPES];
  return { pattern: new RegExp(alternatives.join('|'), 'g') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}
