// Dispatch pause: one record for the whole tree in KV <prefix>_state key `dispatch.pause`, so
// every runner (on any host) sees the same answer and a restarted runner does not forget it.
// Timed pauses keep their deadline as data; the missions actor resumes them when it passes.
import type { JsonKv } from '../bus/index.js';
import { BadRequestError } from './errors.js';

export const PAUSE_KEY = 'dispatch.pause';

export interface PauseRecord {
  paused: boolean;
  /** A timed pause ends here (ms since the epoch); absent for an open-ended pause. */
  until?: number;
  by: string;
  reason?: string;
  at: number;
}

export async function readPause(kv: JsonKv): Promise<PauseRecord> {
  const entry = await kv.get<PauseRecord>(PAUSE_KEY);
  return entry?.value ?? { paused: false, by: 'default', at: 0 };
}

export async function setPause(kv: JsonKv, record: PauseRecord): Promise<PauseRecord> {
  await kv.put(PAUSE_KEY, record);
  return record;
}

/** Is dispatch paused at `now`? A timed pause whose deadline passed is not. */
export function isPausedAt(record: PauseRecord, now: number): boolean {
  return record.paused && (record.until === undefined || record.until > now);
}

/** "30m", "2h", "1h30m", "45s", "1d" → ms; undefined when it does not parse. */
export function parsePauseDuration(text: string): number | undefined {
  const match = /^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$/i.exec(text);
  if (!match || !text.trim()) return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  const ms = ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * 60_000 + Number(s) * 1000;
  return ms > 0 ? ms : undefined;
}

/** Longest timed pause: a longer one is almost surely a typo ("30d" for "30m"), and it would outlive anyone's memory of it. */
export const MAX_PAUSE_MS = 30 * 24 * 60 * 60_000;

/**
 * How long a pause asked for with `value` ("2h", or ms as a number) lasts; undefined for an
 * open-ended pause (no value). Refuses what does not parse and anything over 30 days.
 */
export function pauseLength(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms =
    typeof value === 'string'
      ? parsePauseDuration(value)
      : typeof value === 'number' && Number.isFinite(value) && value > 0
        ? value
        : undefined;
  if (ms === undefined)
    throw new BadRequestError(`a pause takes a duration like "30m", "2h" or "3d", got ${JSON.stringify(value)}`);
  if (ms > MAX_PAUSE_MS) {
    throw new BadRequestError(
      `a timed pause is at most 30 days, got ${JSON.stringify(value)}; to pause until someone resumes, pause without a duration`,
    );
  }
  return ms;
}
