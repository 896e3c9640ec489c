// /usage: today and this week from usage.jsonl, every agent run counted by kind and outcome.
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
    // Lines without an outcome were written by the pipeline after a successful run.
    const noChat = { runs: 0, outcomes: {} };
    expect(summary.today).toEqual({
      missions: { runs: 1, outcomes: { success: 1 } },
      chat: noChat,
      costUsd: 0.5,
      tokens: 1200,
    });
    expect(summary.week).toEqual({
      missions: { runs: 2, outcomes: { success: 2 } },
      chat: noChat,
      costUsd: 1.75,
      tokens: 4200,
    });
    expect(summary.unreadable).toBe(2);
    expect(formatUsage(summary)).toBe(
      'today: $0.50 · 1.2k tokens · 1 mission run\nthis week: $1.75 · 4.2k tokens · 2 mission runs\n(2 unreadable lines in usage.jsonl skipped)',
    );
  });

  it('counts every run: mission runs of each outcome and chat runs apart, all in the totals', () => {
    const today = (hour: number) => new Date(2025, 0, 15, hour).toISOString();
    const lines = [
      { at: today(8), kind: 'free', outcome: 'success', costUsd: 1, tokens: 1000 },
      { at: today(9), kind: 'free', outcome: 'permanent', costUsd: 0.25, tokens: 500 },
      { at: today(10), kind: 'rebase', outcome: 'cancelled', durationMs: 3000 },
      { at: today(10), kind: 'free', outcome: 'timeout', costUsd: 0.5 },
      { at: today(11), kind: 'free', outcome: 'transient', costUsd: 0.01 },
      { at: today(12), kind: 'chat', outcome: 'success', costUsd: 0.02, tokens: 300 },
      { at: today(13), kind: 'chat', outcome: 'timeout' },
      { at: new Date(2025, 0, 14, 9).toISOString(), kind: 'chat', outcome: 'success', costUsd: 0.03 },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const summary = summariseUsage(lines, now);
    expect(summary.today).toEqual({
      missions: { runs: 5, outcomes: { success: 1, permanent: 1, cancelled: 1, timeout: 1, transient: 1 } },
      chat: { runs: 2, outcomes: { success: 1, timeout: 1 } },
      costUsd: 1.78,
      tokens: 1800,
    });
    expect(summary.week.chat).toEqual({ runs: 3, outcomes: { success: 2, timeout: 1 } });
    expect(formatUsage(summary)).toBe(
      [
        'today: $1.78 · 1.8k tokens · 5 mission runs (1 succeeded, 1 failed, 1 failed (transient), 1 timed out, 1 cancelled) · 2 chat runs (1 succeeded, 1 timed out)',
        'this week: $1.81 · 1.8k tokens · 5 mission runs (1 succeeded, 1 failed, 1 failed (transient), 1 timed out, 1 cancelled) · 3 chat runs (2 succeeded, 1 timed out)',
      ].join('\n'),
    );
  });

  it('nothing recorded yet reads as zero', () => {
    expect(formatUsage(summariseUsage('', now))).toBe(
      'today: $0.00 · 0 tokens · 0 mission runs\nthis week: $0.00 · 0 tokens · 0 mission runs',
    );
  });
});
