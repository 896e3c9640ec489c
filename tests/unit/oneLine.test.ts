// The one shortener for chat lines, log fields and titles (src/text/oneLine.ts).
import { describe, expect, it } from 'vitest';
import { clip, oneLine } from '../../src/text/oneLine.js';

describe('clip', () => {
  it('leaves a text that fits alone', () => {
    expect(clip('', 5)).toBe('');
    expect(clip('hello', 5)).toBe('hello');
    expect(clip('a\nb', 3)).toBe('a\nb');
  });

  it('cuts to max characters, the last being an ellipsis', () => {
    const cut = clip('x'.repeat(100), 60);
    expect(cut).toHaveLength(60);
    expect(cut).toBe(`${'x'.repeat(59)}…`);
  });

  it('counts code points, so an emoji is never split', () => {
    expect(clip('🙂🙂🙂', 3)).toBe('🙂🙂🙂');
    const cut = clip('🙂'.repeat(10), 4);
    expect(cut).toBe('🙂🙂🙂…');
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
  });

  it('drops whitespace left before the ellipsis', () => {
    expect(clip('ab   cdef', 5)).toBe('ab…');
  });
});

describe('oneLine', () => {
  it('makes every run of whitespace one space and trims the ends', () => {
    expect(oneLine('  fix\n\tthe   test ')).toBe('fix the test');
  });

  it('has no length limit unless given one', () => {
    expect(oneLine('y'.repeat(5_000))).toHaveLength(5_000);
    expect(oneLine('a  b\nc d e', 5)).toBe('a b…');
  });
});
