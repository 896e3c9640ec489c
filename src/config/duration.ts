// Durations in config are written for people ("2s", "500ms", "1.5m") and used by code as
// milliseconds. A bare non-negative integer is accepted as milliseconds, because that is what
// an env var like ROSHI_HEARTBEAT__INTERVAL=500 parses to; a bare number in a *string* is not,
// so a quoted "500" is rejected instead of silently meaning milliseconds.

const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof MS_PER_UNIT;

/** How the accepted forms are described in error messages. */
export const DURATION_FORMAT = 'a duration such as "250ms", "2s", "1.5m", "1h", "1d" or a whole number of milliseconds';

const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds for `value`, or undefined when it is not a duration. */
export function tryParseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  const ms = Number(match[1]) * MS_PER_UNIT[match[2] as DurationUnit];
  // "1.5s" is 1500ms, but "0.5ms" or "1.0001s" is a fraction of a millisecond, which no timer
  // can honour. The tolerance absorbs float noise such as 4.35 * 1000 = 4349.999999999999.
  const whole = Math.round(ms);
  if (Math.abs(ms - whole) > 1e-6 || !Number.isSafeInteger(whole)) return undefined;
  return whole;
}

/** Milliseconds for `value`; throws a RangeError naming the accepted forms otherwise. */
export function parseDuration(value: unknown): number {
  const ms = tryParseDuration(value);
  if (ms === undefined) throw new RangeError(`${JSON.stringify(value) ?? String(value)} is not ${DURATION_FORMAT}`);
  return ms;
}

/** The shortest exact spelling of `ms`: 1500 → "1.5s", 60000 → "1m", 250 → "250ms". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const amount = ms / MS_PER_UNIT[unit];
    // Only use a larger unit when it stays short and exact (1.5s yes, 1.234s no).
    if (amount >= 1 && Number.isInteger(amount * 10)) return `${amount}${unit}`;
  }
  return `${ms}ms`;
}
