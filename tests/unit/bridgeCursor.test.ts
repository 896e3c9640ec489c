// Sent marks: which outbox messages a provider already has, and where a cut-off one resumes.
import { describe, expect, it } from 'vitest';
import { deliveredThrough, isDelivered, resumePart, type SentMark } from '../../src/bridge/cursor.js';

const mark = (seq: number, part: number, parts: number): SentMark => ({ seq, part, parts, stream: 's', at: 0 });

describe('sent marks', () => {
  it('counts everything before the mark, and the mark itself once complete, as delivered', () => {
    expect(isDelivered(undefined, 1)).toBe(false);
    expect(isDelivered(mark(5, 1, 1), 4)).toBe(true);
    expect(isDelivered(mark(5, 1, 1), 5)).toBe(true);
    expect(isDelivered(mark(5, 1, 1), 6)).toBe(false);
    expect(isDelivered(mark(5, 1, 3), 5)).toBe(false);
    expect(deliveredThrough(mark(5, 1, 1))).toBe(5);
    expect(deliveredThrough(mark(5, 1, 3))).toBe(4);
  });
  it('resumes a half-delivered message at its next piece', () => {
    expect(resumePart(mark(5, 1, 3), 5, 3)).toBe(1);
    expect(resumePart(mark(5, 1, 3), 6, 3)).toBe(0);
    expect(resumePart(undefined, 5, 3)).toBe(0);
    // Split differently now (the limit changed): start over rather than skip text.
    expect(resumePart(mark(5, 1, 3), 5, 2)).toBe(0);
  });
});
