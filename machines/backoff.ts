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
  // `|| 0`: an initial of 0 times an exponent grown to Infinity is NaN, and means no wait.
  const raw = Math.min(settings.maxMs, settings.initialMs * settings.multiplier ** (attempt - 1)) || 0;
  const spread = raw * settings.jitter;
  return Math.round(raw - spread + 2 * spread * sample);
}

/**
 * The wait after the `failures`-th failure in a row (1-based; 0 counts as 1): initial × 2^(failures−1),
 * capped at max, spread by ±`jitter` (0..1) with `sample` in [0, 1). Retry loops outside
 * restarts (providers, outbox, missions, GitHub polls) all wait this way.
 */
export function doublingBackoff(
  failures: number,
  bounds: { initialMs: number; maxMs: number },
  jitter = 0,
  sample = 0.5,
): number {
  return backoffDelay(
    Math.max(1, failures),
    { initialMs: bounds.initialMs, maxMs: bounds.maxMs, multiplier: 2, jitter },
    sample,
  );
}
