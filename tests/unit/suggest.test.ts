// "Did you mean": the one edit distance and nearest-candidate rule (src/text/suggest.ts).
import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../src/text/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent transpositions as one edit each', () => {
    expect(editDistance('status', 'status')).toBe(0);
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('satus', 'status')).toBe(1);
    expect(editDistance('statuss', 'status')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
  });
});

describe('nearest', () => {
  const words = ['status', 'stop', 'start'] as const;

  it('picks the closest candidate within the limit, ignoring case', () => {
    expect(nearest('STAUTS', words, () => 2)).toBe('status');
    expect(nearest('stpo', words, () => 2)).toBe('stop');
  });

  it('is undefined when nothing is within the limit', () => {
    expect(nearest('xyzzy', words, () => 2)).toBeUndefined();
    expect(nearest('stauts', words, () => 0)).toBeUndefined();
  });

  it('applies the limit per candidate, and the first of equals wins', () => {
    expect(nearest('sta', words, (c) => (c === 'stop' ? 2 : 0))).toBe('stop');
    expect(nearest('stab', ['stop', 'stat'], () => 1)).toBe('stat');
    expect(nearest('sto', ['stop', 'stoa'], () => 1)).toBe('stop');
  });
});
