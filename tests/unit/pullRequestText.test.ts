// The PR texts the pipeline writes: on opening, on an update by a later mission, and the comment.
import { describe, expect, it } from 'vitest';
import { lastGateMark } from '../../src/adapters/github/gateMark.js';
import type { GateVerdict } from '../../src/runner/gateVerdict.js';
import { openingText, updateComment, updatedText, type GateRecord } from '../../src/runner/pullRequestText.js';

const URL = 'https://github.com/o/r/pull/5';
const PUSH: GateVerdict = { action: 'push', red: '', details: [] };
const passed: GateRecord = { gate: 'passed', verdict: PUSH, commit: 'c'.repeat(40) };
const project = { name: 'app' } as never;
const opener = { mission: { id: 'm1', text: 'Add dark mode', kind: 'free' as const, project: 'app' }, project };
const fix = (text: string, summary?: string) => ({
  mission: { id: 'm2', text, kind: 'fix' as const, project: 'app', url: URL },
  project,
  ...(summary ? { summary } : {}),
});

describe('PR texts', () => {
  const opened = openingText({ ...opener, summary: 'Added a toggle.' }, passed);

  it('opening: title, body, and the gate mark at the end', () => {
    expect(opened.title).toBe('roshi: Add dark mode');
    expect(opened.body).toBe(
      `Add dark mode\n\n## Summary\n\nAdded a toggle.\n\n---\nMission \`m1\` (free, project app). Opened by roshi.\n\n<!-- roshi-gate: passed; mission m1; commit ${'c'.repeat(12)} -->`,
    );
  });

  it('a draft says why, with the red gates and their output', () => {
    const red: GateRecord = {
      gate: 'failed',
      verdict: {
        action: 'draft',
        red: 'quality-gate failed',
        details: ['quality-gate: failed: `npm test` exit 1\n2 failing'],
      },
    };
    const { body } = openingText(opener, red);
    expect(body).toContain(
      '## The strict gate is red\n\nThe strict gate is red (quality-gate failed), so this PR is a draft',
    );
    expect(body).toContain('~~~~text\nquality-gate: failed: `npm test` exit 1\n2 failing\n~~~~');
    expect(lastGateMark(body)).toEqual({ gate: 'failed', mission: 'm1', commit: '' });
  });

  it('the same mission again (a retry) writes the same text: nothing to update', () => {
    expect(updatedText(opened, { ...opener, summary: 'Added a toggle.' }, passed)).toEqual(opened);
  });

  it('a command on the PR keeps the description, takes its own words as title, its summary, and marks the gate', () => {
    const next = updatedText(opened, fix(`/fix ${URL} use blue`, 'Made it blue.'), { ...passed, gate: 'failed' });
    expect(next.title).toBe('roshi: use blue');
    expect(next.body).toMatch(
      /^Add dark mode\n\n## Summary\n\nMade it blue\.\n\n---\nMission `m2` \(fix, project app, target https:\/\/github\.com\/o\/r\/pull\/5\)\. Updated by roshi\.\n\n<!-- roshi-gate: failed; mission m2;/,
    );
    expect(lastGateMark(next.body)?.gate).toBe('failed');
  });

  it('a bare command keeps the title and the old summary', () => {
    const next = updatedText(opened, fix(`/ci_check ${URL}`), passed);
    expect(next.title).toBe('roshi: Add dark mode');
    expect(next.body).toContain('## Summary\n\nAdded a toggle.');
    expect(next.body.match(/roshi-gate/g)).toHaveLength(1);
  });

  it('the comment names the mission, what it pushed, the gate and its summary', () => {
    expect(updateComment(fix(`/fix ${URL} use blue`, 'Made it blue.'), { pushed: true, commits: 2 }, passed)).toBe(
      `Mission \`m2\` (fix): /fix ${URL} use blue\n\npushed 2 commits · gate passed\n\n## Summary\n\nMade it blue.`,
    );
    expect(updateComment(fix(`/ci_check ${URL}`), { pushed: false }, passed)).toContain('pushed nothing new');
  });
});
