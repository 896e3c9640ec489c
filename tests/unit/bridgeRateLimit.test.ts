// The per-user sliding window behind bridge.maxPerMinute, with a simulated clock.
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/bridge/rateLimit.js';

function limiter(limit: number, windowMs = 60_000) {
  let now = 0;
  const rate = new RateLimiter(limit, windowMs, () => now);
  return { rate, tick: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('allows `limit` messages in a window, warns once, then drops', () => {
    const { rate } = limiter(3);
    expect(['a', 'a', 'a', 'a', 'a', 'a'].map((u) => rate.take(u))).toEqual([
      'allow',
      'allow',
      'allow',
      'warn',
      'drop',
      'drop',
    ]);
  });

  it('slides: a message is counted for exactly one window after it came', () => {
    const { rate, tick } = limiter(2, 1_000);
    expect(rate.take('a')).toBe('allow'); // t=0
    tick(400);
    expect(rate.take('a')).toBe('allow'); // t=400
    tick(100);
    expect(rate.take('a')).toBe('warn'); // t=500
    tick(499);
    expect(rate.take('a')).toBe('drop'); // t=999: the first is still inside
    tick(1);
    expect(rate.take('a')).toBe('allow'); // t=1000: the first left
    expect(rate.take('a')).toBe('drop'); // full again, and warned within this window (at 500)
    tick(500);
    expect(rate.take('a')).toBe('allow'); // t=1500: the one of t=400 left
    expect(rate.take('a')).toBe('warn'); // the warning of t=500 is a window old: one more warning
  });

  it('counts each user apart', () => {
    const { rate } = limiter(1);
    expect(rate.take('a')).toBe('allow');
    expect(rate.take('b')).toBe('allow');
    expect(rate.take('a')).toBe('warn');
    expect(rate.take('b')).toBe('warn');
  });

  it('does not count refused messages, so a flood does not extend its own silence', () => {
    const { rate, tick } = limiter(1, 1_000);
    rate.take('a');
    for (let i = 0; i < 100; i++) {
      rate.take('a');
      tick(5);
    }
    tick(500); // t=1000
    expect(rate.take('a')).toBe('allow');
  });

  it('forgets idle users once many are tracked', () => {
    const { rate, tick } = limiter(1, 1_000);
    for (let i = 0; i < 1_000; i++) rate.take(`u${i}`);
    expect(rate.size).toBe(1_000);
    tick(1_001);
    rate.take('newcomer');
    expect(rate.size).toBe(1);
  });
});
