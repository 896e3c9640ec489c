import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isOwnBranch,
  isValidBranchName,
  missionBranch,
  missionSuffix,
  SLUG_MAX,
  slugify,
} from '../../src/runner/slug.js';

const gitEnv = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

/** The real `git check-ref-format --branch` (run outside any repository). */
function gitAccepts(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--branch', name], { env: gitEnv, stdio: 'ignore', cwd: '/' });
    return true;
  } catch {
    return false;
  }
}

// Mission texts as people type them: any Unicode, plus the characters that break ref names.
const tricky = fc.constantFrom(
  '.',
  '..',
  '/',
  '-',
  '@{',
  '~',
  '^',
  ':',
  '?',
  '*',
  '[',
  '\\',
  ' ',
  '\t',
  '\n',
  '.lock',
  'é',
  'ß',
  '日本',
  '🙂',
  '\u0301',
  '\u007f',
);
const missionText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc
    .array(fc.oneof(tricky, fc.string({ unit: 'grapheme-ascii', maxLength: 12 })), { maxLength: 30 })
    .map((parts) => parts.join('')),
);
const missionId = fc.oneof(
  fc.uuid(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.stringMatching(/^m-[0-9]{1,6}$/),
);

describe('slugify', () => {
  it('lower-case ASCII words joined by dashes', () => {
    expect(slugify('Fix the flaky test in API!')).toBe('fix-the-flaky-test-in-api');
    expect(slugify('  Über   café — naïve_résumé  ')).toBe('uber-cafe-naive-resume');
    expect(slugify('Straße')).toBe('strasse');
  });

  it('cuts on a word boundary at 40 characters, a single long word hard', () => {
    expect(slugify('implement dark mode for the settings page and the profile page')).toBe(
      'implement-dark-mode-for-the-settings',
    );
    expect(slugify('x'.repeat(100))).toBe('x'.repeat(SLUG_MAX));
  });

  it('is never empty', () => {
    expect(slugify('')).toBe('mission');
    expect(slugify('日本語のタスク 🙂')).toBe('mission');
    expect(slugify('../../..')).toBe('mission');
  });

  it('property: [a-z0-9] words joined by single dashes, 1..40 characters', () => {
    fc.assert(
      fc.property(missionText, (text) => {
        const slug = slugify(text);
        expect(slug.length).toBeGreaterThan(0);
        expect(slug.length).toBeLessThanOrEqual(SLUG_MAX);
        expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('missionBranch', () => {
  it('<prefix>/<slug>-<suffix from the id>', () => {
    expect(missionBranch('roshi', 'Fix flaky test', '01HZX3K9Q7ABCDEF')).toBe('roshi/fix-flaky-test-abcdef');
    expect(missionBranch('roshi/', 'Fix flaky test', 'm-1')).toMatch(/^roshi\/fix-flaky-test-[0-9a-f]{6}$/);
    expect(missionBranch('bots/roshi', '', 'abc-def-123456')).toBe('bots/roshi/mission-123456');
  });

  it('same mission, same branch; same text, different missions, different branches', () => {
    expect(missionBranch('roshi', 'fix it', 'm-1')).toBe(missionBranch('roshi', 'fix it', 'm-1'));
    expect(missionBranch('roshi', 'fix it', 'm-1')).not.toBe(missionBranch('roshi', 'fix it', 'm-2'));
    expect(missionSuffix('a')).toMatch(/^[0-9a-f]{6}$/);
  });

  it('refuses a prefix that makes an invalid branch name', () => {
    expect(() => missionBranch('bad..prefix', 'x', 'm-1')).toThrow(/branch prefix "bad\.\.prefix"/);
    expect(() => missionBranch('.hidden', 'x', 'm-1')).toThrow(/valid git branch name/);
    expect(() => missionBranch('we ird', 'x', 'm-1')).toThrow();
  });

  it('property: always a valid branch name, by our check and by git check-ref-format --branch', () => {
    fc.assert(
      fc.property(missionText, missionId, (text, id) => {
        const branch = missionBranch('roshi', text, id);
        expect(branch.startsWith('roshi/')).toBe(true);
        expect(isValidBranchName(branch)).toBe(true);
        expect(isOwnBranch('roshi', branch)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    // git itself, on fewer samples (one process each)
    fc.assert(
      fc.property(missionText, missionId, (text, id) => {
        expect(gitAccepts(missionBranch('roshi', text, id))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('property: isValidBranchName agrees with git check-ref-format --branch', () => {
    const refish = fc
      .array(fc.constantFrom('a', 'b', 'H', 'E', 'A', 'D', '.', '/', '-', '@', '{', '}', '~', ':', ' ', 'lock', 'é'), {
        maxLength: 10,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(refish, (name) => {
        expect(isValidBranchName(name)).toBe(gitAccepts(name));
      }),
      { numRuns: 300 },
    );
    for (const name of ['HEAD', '@', 'x/HEAD', 'a.lock', 'a/b.', 'a@{b', '-x', 'a//b', 'é']) {
      expect(isValidBranchName(name), name).toBe(gitAccepts(name));
    }
  });
});

describe('isOwnBranch', () => {
  it('needs the prefix and a slash', () => {
    expect(isOwnBranch('roshi', 'roshi/fix-x-abcdef')).toBe(true);
    expect(isOwnBranch('roshi', 'roshi-fix')).toBe(false);
    expect(isOwnBranch('roshi', 'feature/roshi/x')).toBe(false);
    expect(isOwnBranch('', 'anything')).toBe(false);
  });
});
