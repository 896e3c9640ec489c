// Rate limits held in common: when the API tells one runner's agent to wait (a 429 or 529 with
// a retry time, a usage limit with its reset), every runner stops claiming until then, instead
// of each finding out by spending an attempt. One record in KV <prefix>_state key
// `dispatch.hold`, apart from an operator's pause (pause.ts), which it neither replaces nor
// ends. See docs/missions.md#rate-limits-held-in-common. A reached day budget holds dispatch
// the same way (key `dispatch.budget`, kept by the missions actor for what shows it; runners
// follow the ledger themselves): docs/missions.md#spend-and-budgets.
import type { JsonKv } from '../bus/index.js';
import type { Logger } from '../log.js';
import { isPausedAt, type PauseRecord } from './pause.js';
import { oneLine } from '../text/oneLine.js';

export const HOLD_KEY = 'dispatch.hold';
/** The system day budget's hold as shown (/status, the chat); `by` is 'budget'. */
export const BUDGET_HOLD_KEY = 'dispatch.budget';

export interface DispatchHold {
  /** No runner claims before this time (ms since the epoch). */
  until: number;
  /** What the API said, in one line. */
  reason: string;
  /** The runner whose agent was told to wait. */
  by: string;
  at: number;
}

/** Longest hold: a longer retry time is most likely a misread, and the operator can still pause. */
export const MAX_HOLD_MS = 6 * 60 * 60_000;

export const isHeldAt = (hold: DispatchHold | undefined, now: number): hold is DispatchHold =>
  hold !== undefined && hold.until > now;

/** The API's hold or the day budget's, whichever lasts longer. */
export async function readHold(kv: JsonKv): Promise<DispatchHold | undefined> {
  const [api, budget] = await Promise.all([kv.get<DispatchHold>(HOLD_KEY), kv.get<DispatchHold>(BUDGET_HOLD_KEY)]);
  const holds = [api?.value, budget?.value].filter((h): h is DispatchHold => typeof h?.until === 'number');
  return holds.sort((a, b) => b.until - a.until)[0];
}

/**
 * Holds dispatch until `hold.until` (capped at MAX_HOLD_MS from `at`), unless a hold that ends
 * later is already there: two runners told to wait keep the later time. Returns the hold in force.
 */
export async function holdDispatch(kv: JsonKv, hold: DispatchHold): Promise<DispatchHold> {
  const wanted = { ...hold, until: Math.min(hold.until, hold.at + MAX_HOLD_MS) };
  const inForce = await kv.modify<DispatchHold>(
    HOLD_KEY,
    (current) => (current && typeof current.until === 'number' && current.until >= wanted.until ? undefined : wanted),
    { attempts: 5 },
  );
  return inForce ?? wanted;
}

/**
 * Whether runners may claim at `now`, from the operator's pause, the API's hold, a reached
 * system day budget (held until its day ends) and their host's drain (held until it is undone,
 * hostDrain.ts) together.
 */
export function dispatchGate(
  pause: { paused: boolean; until?: number } | undefined,
  apiHold: DispatchHold | undefined,
  now: number,
  budget?: { system: boolean; until: number },
  hostDrained = false,
): { paused: false } | { paused: true; until?: number } {
  if (hostDrained) return { paused: true };
  const paused = pause?.paused === true && (pause.until === undefined || pause.until > now);
  const budgetHold = budget?.system ? { until: budget.until } : undefined;
  const hold = [apiHold, budgetHold]
    .filter((h) => h !== undefined && h.until > now)
    .sort((a, b) => b!.until - a!.until)[0];
  const held = hold !== undefined;
  if (paused && pause.until === undefined) return { paused: true };
  if (!paused && !held) return { paused: false };
  return { paused: true, until: Math.max(paused ? pause.until! : 0, held ? hold.until : 0) };
}

/** A runner's agent was told to wait `retryAfterMs`: every runner waits with it. Never throws. */
export async function holdAfterRateLimit(
  kv: JsonKv,
  runner: string,
  told: { retryAfterMs: number; error?: string },
  now: number,
  logger: Logger,
): Promise<void> {
  const reason = oneLine(told.error ?? 'rate limited', 120);
  try {
    const hold = await holdDispatch(kv, { until: now + told.retryAfterMs, reason, by: runner, at: now });
    logger.warn({ until: new Date(hold.until).toISOString(), reason: hold.reason }, 'dispatch held for every runner');
  } catch (error) {
    logger.warn({ err: error }, 'could not hold dispatch for the other runners');
  }
}

/**
 * The dispatch state as one pause record, for what shows it (/status, the chat's situation): the
 * operator's pause when it is open-ended or lasts longer, else an active hold, named by its runner.
 */
export function effectivePause(
  pause: PauseRecord | undefined,
  hold: DispatchHold | undefined,
  now: number,
): PauseRecord | undefined {
  if (!isHeldAt(hold, now)) return pause;
  if (pause && isPausedAt(pause, now) && (pause.until === undefined || pause.until >= hold.until)) return pause;
  return { paused: true, until: hold.until, by: hold.by, reason: hold.reason, at: hold.at };
}
