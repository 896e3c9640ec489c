// Restart backoff: the first restart is immediate (most crashes are one-offs), later ones
// within the intensity window wait initial × multiplier^(n-1), capped at max, with a jitter
// fraction so a crash-looping tree does not restart in lock-step. The random sample is an
// argument, not a call to Math.random(), so machines stay pure and tests exact.

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** 0..1: the share of the delay that is randomised. */
  jitter: number;
}

/**
 * @param attempt 0 for the first restart, 1 for the second, …
 * @param sample a number in [0, 1)
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, sample: number): number {
  if (attempt <= 0) return 0;
  const raw = Math.min(settings.maxMs, settings.initialMs * settings.multiplier ** (attempt - 1));
  const spread = raw * settings.jitter;
  return Math.round(raw - spread + 2 * spread * sample);
}
