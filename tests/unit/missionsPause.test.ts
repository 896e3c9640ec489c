// How long a pause may be: a duration that reads, and never more than 30 days.
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../src/missions/errors.js';
import { MAX_PAUSE_MS, pauseLength } from '../../src/missions/pause.js';

describe('pauseLength', () => {
  it('is open-ended without a duration', () => {
    expect(pauseLength(undefined)).toBeUndefined();
    expect(pauseLength('')).toBeUndefined();
  });
  it('reads durations and milliseconds up to 30 days', () => {
    expect(pauseLength('2h')).toBe(7_200_000);
    expect(pauseLength('30d')).toBe(MAX_PAUSE_MS);
    expect(pauseLength('29d23h59m')).toBe(MAX_PAUSE_MS - 60_000);
    expect(pauseLength(90_000)).toBe(90_000);
  });
  it('refuses more than 30 days, saying the limit and the open-ended alternative', () => {
    expect(() => pauseLength('31d')).toThrow(BadRequestError);
    expect(() => pauseLength('30d1s')).toThrow(
      'a timed pause is at most 30 days, got "30d1s"; to pause until someone resumes, pause without a duration',
    );
    expect(() => pauseLength('9999999d')).toThrow(/at most 30 days/);
    expect(() => pauseLength(MAX_PAUSE_MS + 1)).toThrow(/at most 30 days/);
  });
  it('refuses what does not read as a duration', () => {
    expect(() => pauseLength('soonish')).toThrow('a pause takes a duration like "30m", "2h" or "3d", got "soonish"');
    expect(() => pauseLength(-5)).toThrow(/duration like/);
    expect(() => pauseLength(Number.POSITIVE_INFINITY)).toThrow(/duration like/);
  });
});
