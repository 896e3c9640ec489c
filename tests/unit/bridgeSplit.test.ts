// Splitting long messages for providers: at line breaks, never longer than the limit, nothing lost.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pieceLength, splitMessage } from '../../src/bridge/split.js';

describe('splitMessage', () => {
  it('leaves a short text whole', () => {
    expect(splitMessage('hello', 10)).toEqual(['hello']);
    expect(splitMessage('0123456789', 10)).toEqual(['0123456789']);
  });
  it('cuts at the last line break that fits', () => {
    expect(splitMessage('line one\nline two\nline three', 18)).toEqual(['line one\nline two', 'line three']);
  });
  it('cuts at a space when a line is too long, and hard inside one long word', () => {
    expect(splitMessage('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', 'cccc']);
    expect(splitMessage('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
  it('never cuts a surrogate pair in two', () => {
    const text = 'ab😀cd';
    const pieces = splitMessage(text, 3);
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(3);
    expect(pieces.some((p) => p.includes('😀'))).toBe(true);
  });
  it('drops the blank lines a cut leaves behind', () => {
    expect(splitMessage('first part\n\n\nsecond part', 12)).toEqual(['first part', 'second part']);
  });
  it('keeps every piece within the limit and every word, for any text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('\n', ' ', '\n\n'), fc.string({ minLength: 1, maxLength: 30 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 2, max: 50 }),
        (chunks, max) => {
          const text = chunks.join('');
          const pieces = splitMessage(text, max);
          for (const p of pieces) expect(p.length).toBeLessThanOrEqual(max);
          const words = (s: string) => s.split(/\s+/).filter(Boolean).join('');
          expect(words(pieces.join(' '))).toBe(words(text));
        },
      ),
    );
  });
  it('uses the lower of the bridge limit and the provider limit', () => {
    expect(pieceLength(4000, 4096)).toBe(4000);
    expect(pieceLength(40000, 4096)).toBe(4096);
  });
});
