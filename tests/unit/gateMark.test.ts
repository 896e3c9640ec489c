// The gate mark in a PR body: written by the pipeline, read by auto-merge.
import { describe, expect, it } from 'vitest';
import { formatGateMark, isRedGate, lastGateMark, withoutGateMarks } from '../../src/adapters/github/gateMark.js';

describe('gate mark', () => {
  it('round-trips, keeps 12 digits of the commit, and the last mark wins', () => {
    const first = formatGateMark({ gate: 'failed', mission: 'm-1', commit: 'a'.repeat(40) });
    expect(first).toBe(`<!-- roshi-gate: failed; mission m-1; commit ${'a'.repeat(12)} -->`);
    const second = formatGateMark({ gate: 'passed', mission: 'm-2', commit: 'b'.repeat(40) });
    const body = `text\n\n${first}\nmore\n${second}`;
    expect(lastGateMark(body)).toEqual({ gate: 'passed', mission: 'm-2', commit: 'b'.repeat(12) });
    expect(lastGateMark('no mark here')).toBeUndefined();
    expect(withoutGateMarks(body)).toBe('text\n\n\nmore');
  });

  it('red is anything but passed or off', () => {
    expect(['passed', 'off'].map(isRedGate)).toEqual([false, false]);
    expect(['failed', 'broken', 'x'].map(isRedGate)).toEqual([true, true, true]);
  });
});
