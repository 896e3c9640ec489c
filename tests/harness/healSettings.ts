// Heal settings and the start time shared by the machine tests of child supervision and the
// supervisor tree: small round numbers, no jitter, so every expected time can be worked out by hand.
import type { HealSettings } from '../../machines/childSupervision.js';

/** The simulated clock's start; logs and deadlines are written relative to it. */
export const T0 = 1_700_000_000_000;

export const HEAL_SETTINGS: HealSettings = {
  readyTimeoutMs: 10_000,
  ackTimeoutMs: 2_000,
  cooperativeTimeoutMs: 5_000,
  sigtermGraceMs: 3_000,
  backoff: { initialMs: 1_000, maxMs: 8_000, multiplier: 2, jitter: 0 },
  circuit: { maxConsecutiveFailures: 3, intensity: { maxFailures: 5, periodMs: 60_000 }, openForMs: 30_000 },
};
