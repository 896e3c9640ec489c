import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, doublingBackoff, type BackoffSettings } from '../../machines/backoff.js';

const exact: BackoffSettings = { initialMs: 1_000, maxMs: 30_000, multiplier: 2, jitter: 0 };

describe('backoffDelay', () => {
  it('the first restart (attempt 0) is immediate, whatever the jitter and sample', () => {
    expect(backoffDelay(0, exact, 0.5)).toBe(0);
    expect(backoffDelay(0, { ...exact, jitter: 1 }, 0.999)).toBe(0);
    expect(backoffDelay(-1, exact, 0.5)).toBe(0);
  });

  it('grows initial × multiplier^(attempt-1)', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, exact, 0.5))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    const slow = { ...exact, multiplier: 1.5 };
    expect([1, 2, 3].map((a) => backoffDelay(a, slow, 0.5))).toEqual([1_000, 1_500, 2_250]);
  });

  it('is capped at maxMs', () => {
    expect(backoffDelay(6, exact, 0.5)).toBe(30_000);
    expect(backoffDelay(50, exact, 0.5)).toBe(30_000);
    expect(backoffDelay(2_000, exact, 0.5)).toBe(30_000); // multiplier ** 1999 is Infinity
  });

  it('jitter spreads the delay symmetrically around the raw value', () => {
    const j = { ...exact, jitter: 0.2 };
    expect(backoffDelay(3, j, 0)).toBe(3_200);
    expect(backoffDelay(3, j, 0.5)).toBe(4_000);
    expect(backoffDelay(3, j, 0.999)).toBe(4_798);
    // At the cap the spread is around maxMs, so a delay can exceed it by the jitter share.
    expect(backoffDelay(20, j, 0.999)).toBe(35_988);
    expect(backoffDelay(20, j, 0)).toBe(24_000);
  });

  it('property: the delay lies within raw × (1 ± jitter) and never above max × (1 + jitter)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, extra, multiplier, jitter, sample) => {
          const settings = { initialMs, maxMs: initialMs + extra, multiplier, jitter };
          const delay = backoffDelay(attempt, settings, sample);
          const raw = Math.min(settings.maxMs, initialMs * multiplier ** (attempt - 1));
          // Math.round may move the result by up to half a millisecond.
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(raw * (1 - jitter) - 0.5);
          expect(delay).toBeLessThanOrEqual(raw * (1 + jitter) + 0.5);
          expect(delay).toBeLessThanOrEqual(settings.maxMs * (1 + jitter) + 0.5);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('doublingBackoff', () => {
  const bounds = { initialMs: 1_000, maxMs: 30_000 };

  it('waits initial × 2^(failures-1), capped at max; 0 failures counts as 1', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((f) => doublingBackoff(f, bounds))).toEqual([
      1_000, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000,
    ]);
    expect(doublingBackoff(5_000, bounds)).toBe(30_000);
  });

  it('an initial of 0 never waits, however many failures', () => {
    expect(doublingBackoff(5_000, { initialMs: 0, maxMs: 30_000 })).toBe(0);
  });

  it('spreads by ±jitter with the sample', () => {
    expect(doublingBackoff(3, bounds, 0.2, 0)).toBe(3_200);
    expect(doublingBackoff(3, bounds, 0.2, 0.999)).toBe(4_798);
  });
});
