// /usage: today and this week from usage.jsonl.
import { describe, expect, it } from 'vitest';
import { formatUsage, periodStarts, summariseUsage } from '../../src/bridge/usage.js';

describe('usage', () => {
  // Wednesday 2025-01-15 15:00 local time.
  const now = new Date(2025, 0, 15, 15, 0, 0).getTime();
  it('starts the day at local midnight and the week on Monday', () => {
    const { day, week } = periodStarts(now);
    expect(new Date(day)).toEqual(new Date(2025, 0, 15));
    expect(new Date(week)).toEqual(new Date(2025, 0, 13));
    expect(new Date(periodStarts(new Date(2025, 0, 19, 23).getTime()).week)).toEqual(new Date(2025, 0, 13)); // Sunday
  });
  it('sums cost and tokens per period and skips what it cannot read', () => {
    const lines = [
      JSON.stringify({
        at: new Date(2025, 0, 15, 9).toISOString(),
        costUsd: 0.5,
        tokens: { input: 1000, output: 200, cacheRead: 0, cacheWrite: 0 },
      }),
      JSON.stringify({ at: new Date(2025, 0, 14, 9).getTime(), costUsd: 1.25, tokens: 3000 }),
      JSON.stringify({ at: new Date(2025, 0, 12, 9).toISOString(), costUsd: 9, tokens: 1 }), // last week
      'not json',
      JSON.stringify({ costUsd: 1 }),
      '',
    ].join('\n');
    const summary = summariseUsage(lines, now);
    expect(summary.today).toEqual({ missions: 1, costUsd: 0.5, tokens: 1200 });
    expect(summary.week).toEqual({ missions: 2, costUsd: 1.75, tokens: 4200 });
    expect(summary.unreadable).toBe(2);
    expect(formatUsage(summary)).toBe(
      'today: $0.50 · 1.2k tokens · 1 mission\nthis week: $1.75 · 4.2k tokens · 2 missions\n(2 unreadable lines in usage.jsonl skipped)',
    );
  });
});
