// Runners share a project's .git: a git step that meets another worktree's lock waits for it
// instead of failing the mission (issue 10, item 1).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, GitError, isLockContention } from '../../src/adapters/git.js';

const dir = mkdtempSync(join(tmpdir(), 'roshi-gitlock-'));
execFileSync('git', ['init', '-q', dir]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a git step meeting another process lock', () => {
  it('recognises git lock messages, and only those', () => {
    const locks = [
      'error: could not lock config file .git/config: File exists',
      "fatal: Unable to create '/r/.git/index.lock': File exists.",
      'error: cannot lock ref refs/heads/x: is at abc but expected def',
    ];
    for (const message of locks) expect(isLockContention(message), message).toBe(true);
    expect(isLockContention('fatal: not a git repository')).toBe(false);
  });

  it('succeeds once the lock is released', async () => {
    const lock = join(dir, '.git', 'config.lock');
    writeFileSync(lock, '');
    setTimeout(() => rmSync(lock, { force: true }), 120);
    await git(['config', 'roshi.test', 'yes'], { cwd: dir });
    expect(execFileSync('git', ['config', 'roshi.test'], { cwd: dir, encoding: 'utf8' }).trim()).toBe('yes');
  });

  it('still fails when the lock is never released', async () => {
    const lock = join(dir, '.git', 'config.lock');
    writeFileSync(lock, '');
    try {
      await expect(git(['config', 'roshi.other', 'no'], { cwd: dir })).rejects.toBeInstanceOf(GitError);
    } finally {
      rmSync(lock, { force: true });
    }
  });
});
