import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/index.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['0ms', 0],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['4.35s', 4_350], // 4.35 * 1000 is 4349.999… in floating point
    ['0.5m', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['007s', 7_000],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes a non-negative integer as milliseconds', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(1500)).toBe(1500);
  });

  it.each([
    '',
    '2',
    '500', // a number in a string needs a unit: a bare "500" is ambiguous
    '2 s',
    ' 2s',
    '2S',
    '2sec',
    '1m30s',
    '-1s',
    '+1s',
    '.5s',
    '5.s',
    '1e3ms',
    '0.5ms', // not a whole millisecond
    '1.0001s',
    'Infinitys',
  ])('rejects the string %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });

  it.each([
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    null,
    undefined,
    true,
    {},
    ['2s'],
  ])('rejects the non-string %j', (value) => {
    expect(() => parseDuration(value)).toThrow(/is not a duration such as "250ms"/);
  });

  it('names the offending value in the error', () => {
    expect(() => parseDuration('2 s')).toThrow('"2 s" is not a duration');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [1_000, '1s'],
    [1_500, '1.5s'],
    [1_234, '1234ms'],
    [90_000, '1.5m'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
  ])('writes %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 99, 100, 1_500, 59_999, 60_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
