// Reading missions.md back: sections, Pending lines to mission text, and which lines count as
// added by a person.
process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { findAddedPendingLines, parseMissionsFile, pendingLineText } from '../../src/missions/pendingImport.js';

const RENDERED = `# Missions

## CI
- [project:app] https://github.com/o/r/pull/42 branch:roshi/fix-x (attempt 1/5)

## Pending
- [project:app] /rebase https://github.com/o/r/pull/42 ⏳@ 8:14pm
- [project:app] fix flaky test ⏳Mon @ 9am

## In Progress
- [project:app] implement dark mode ⏳Mon @ 9am ▶@ 9:30am

## Done
- [project:app] fix flaky test ✅ took 35m

## Failed
- [project:lib] upgrade deps ❌ [transient budget spent]
`;

describe('parseMissionsFile', () => {
  it('collects the lines of each section', () => {
    const s = parseMissionsFile(RENDERED);
    expect(s.CI).toHaveLength(1);
    expect(s.Pending).toEqual([
      '- [project:app] /rebase https://github.com/o/r/pull/42 ⏳@ 8:14pm',
      '- [project:app] fix flaky test ⏳Mon @ 9am',
    ]);
    expect(s['In Progress']).toHaveLength(1);
    expect(s.Done).toHaveLength(1);
    expect(s.Failed).toHaveLength(1);
  });

  it('headings in any case; unknown sections and comments are ignored', () => {
    const s = parseMissionsFile(
      'intro\n## pending\n- a\n<!-- note -->\n\n## Notes\n- b\n### Sub\n- c\n## PENDING ##\n- d\r\n',
    );
    expect(s.Pending).toEqual(['- a', '- d']);
  });
});

describe('pendingLineText', () => {
  it('removes the bullet and roshi stamps, keeps the tag', () => {
    expect(pendingLineText('- [project:app] fix flaky test ⏳Mon @ 9am')).toBe('[project:app] fix flaky test');
    expect(pendingLineText('* fix it ⏳Mon 3/31 @ 9:05am ▶@ 10am')).toBe('fix it');
    expect(pendingLineText('1. numbered')).toBe('numbered');
    expect(pendingLineText('no bullet at all')).toBe('no bullet at all');
  });

  it('a Done or Failed line copied back under Pending is a new run of the same text', () => {
    expect(pendingLineText('- [project:app] fix flaky test ✅ took 1h 5m')).toBe('[project:app] fix flaky test');
    expect(pendingLineText('- [project:lib] upgrade deps ❌ [transient budget spent]')).toBe(
      '[project:lib] upgrade deps',
    );
  });

  it('strips only the last stamp, so text ending in an emoji survives', () => {
    expect(pendingLineText('- ship it ✅ ⏳@ 9am')).toBe('ship it ✅');
  });

  it('nothing left → undefined', () => {
    expect(pendingLineText('-')).toBeUndefined();
    expect(pendingLineText('- ⏳@ 9am')).toBeUndefined();
  });
});

describe('findAddedPendingLines', () => {
  it('finds lines under Pending that the last render did not have', () => {
    const edited = RENDERED.replace('## Pending\n', '## Pending\n- [project:lib] write the changelog\n').replace(
      '## Done\n',
      '## Done\n- not a pending line\n',
    );
    expect(findAddedPendingLines(edited, RENDERED)).toEqual(['[project:lib] write the changelog']);
  });

  it('counts copies: a second copy of a rendered line is one new mission', () => {
    const line = '- [project:app] fix flaky test ⏳Mon @ 9am';
    expect(findAddedPendingLines(RENDERED.replace(`${line}\n`, `${line}\n${line}\n`), RENDERED)).toEqual([
      '[project:app] fix flaky test',
    ]);
  });

  it('an edited line is new; a deleted line is nothing', () => {
    const edited = RENDERED.replace('fix flaky test ⏳Mon @ 9am', 'fix the flaky test properly').replace(
      /- \[project:app\] \/rebase.*\n/,
      '',
    );
    expect(findAddedPendingLines(edited, RENDERED)).toEqual(['[project:app] fix the flaky test properly']);
  });

  it('without a last render every Pending line counts', () => {
    expect(findAddedPendingLines(RENDERED, undefined)).toEqual([
      '[project:app] /rebase https://github.com/o/r/pull/42',
      '[project:app] fix flaky test',
    ]);
  });
});
