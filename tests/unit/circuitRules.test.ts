import { describe, expect, it } from 'vitest';
import {
  emptyCounts,
  recordFailure,
  recordOpen,
  recordSuccess,
  shouldTrip,
  type CircuitCounts,
  type CircuitRules,
} from '../../machines/circuitRules.js';

const both: CircuitRules = {
  maxConsecutiveFailures: 3,
  intensity: { maxFailures: 5, periodMs: 60_000 },
  openForMs: 30_000,
};

const fail = (counts: CircuitCounts, times: number[], rules: CircuitRules = both) =>
  times.reduce((c, at) => recordFailure(c, at, rules), counts);

describe('circuit rules', () => {
  it('emptyCounts is fresh every time', () => {
    const a = emptyCounts();
    a.recentFailures.push(1);
    expect(emptyCounts()).toEqual({ failures: 0, recentFailures: [], opens: 0 });
  });

  it('recordFailure counts and remembers the time without mutating its input', () => {
    const before = emptyCounts();
    const after = recordFailure(before, 1_000, both);
    expect(after).toEqual({ failures: 1, recentFailures: [1_000], opens: 0 });
    expect(before).toEqual(emptyCounts());
  });

  it('prunes failures that have left the window (a failure exactly periodMs old is out)', () => {
    const counts = fail(emptyCounts(), [0, 30_000, 59_999]);
    expect(recordFailure(counts, 60_000, both).recentFailures).toEqual([30_000, 59_999, 60_000]);
    expect(recordFailure(counts, 59_999, both).recentFailures).toEqual([0, 30_000, 59_999, 59_999]);
    expect(recordFailure(counts, 200_000, both).recentFailures).toEqual([200_000]);
  });

  it('without an intensity rule keeps no failure times', () => {
    const rules: CircuitRules = { maxConsecutiveFailures: 3, openForMs: 1_000 };
    expect(fail(emptyCounts(), [1, 2], rules)).toEqual({ failures: 2, recentFailures: [], opens: 0 });
  });

  it('recordSuccess resets consecutive failures only', () => {
    const counts = recordOpen(fail(emptyCounts(), [1, 2]));
    expect(recordSuccess(counts)).toEqual({ failures: 0, recentFailures: [1, 2], opens: 1 });
  });

  it('consecutive rule: trips at the threshold, and a success starts it over', () => {
    const rules: CircuitRules = { maxConsecutiveFailures: 3, openForMs: 1_000 };
    const two = fail(emptyCounts(), [1, 2], rules);
    expect(shouldTrip(two, rules)).toBe(false);
    expect(shouldTrip(recordFailure(two, 3, rules), rules)).toBe(true);
    const reset = recordSuccess(two);
    expect(shouldTrip(recordFailure(reset, 3, rules), rules)).toBe(false);
  });

  it('intensity rule: trips on R failures within T even with successes in between', () => {
    let counts = emptyCounts();
    for (const at of [0, 10_000, 20_000, 30_000]) counts = recordSuccess(recordFailure(counts, at, both));
    expect(shouldTrip(counts, both)).toBe(false);
    counts = recordFailure(counts, 40_000, both);
    expect(counts.failures).toBe(1);
    expect(shouldTrip(counts, both)).toBe(true);
  });

  it('intensity rule: failures spread wider than T do not trip it', () => {
    let counts = emptyCounts();
    for (const at of [0, 20_000, 40_000, 60_000, 80_000]) counts = recordSuccess(recordFailure(counts, at, both));
    expect(counts.recentFailures).toEqual([40_000, 60_000, 80_000]);
    expect(shouldTrip(counts, both)).toBe(false);
  });

  it('either rule trips when both are set; neither set never trips', () => {
    expect(shouldTrip(fail(emptyCounts(), [0, 1, 2]), both)).toBe(true); // consecutive
    const none: CircuitRules = { openForMs: 1_000 };
    expect(shouldTrip(fail(emptyCounts(), [0, 1, 2, 3, 4, 5, 6], none), none)).toBe(false);
  });

  it('recordOpen counts openings', () => {
    expect(recordOpen(recordOpen(emptyCounts())).opens).toBe(2);
  });
});
