// The runners of one host share a project's clone (<workspace>/repos/<project>): one runner's
// first clone or `git worktree add` must not fail another's mission set-up. Real git against a
// local bare remote. The race itself is a few milliseconds wide, so the half-made worktree is
// staged by hand (its files as `git worktree add` leaves them mid-way) and finished the moment
// a git command has failed on it: a `git` first on PATH runs the real one and, when that
// fails, finishes the other worktree, as the other runner's `worktree add` would meanwhile.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRepo, GitError, isHalfMadeWorktree, prepareWorktree } from '../../src/adapters/git.js';
import { git } from '../harness/gitRepo.js';

let tmp: string;
let remote: string;
let seed: string;
let workspace: string;

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
const PATH = process.env.PATH;
/** A script the shim runs (then deletes) after the first git command that fails. */
let onGitFailure: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'roshi-shared-clone-'));
  const shims = join(tmp, 'bin');
  mkdirSync(shims);
  onGitFailure = join(tmp, 'on-git-failure.sh');
  writeFileSync(
    join(shims, 'git'),
    `#!/bin/sh\n"${REAL_GIT}" "$@"; rc=$?\n[ $rc -ne 0 ] && [ -f "${onGitFailure}" ] && sh "${onGitFailure}" && rm -f "${onGitFailure}"\nexit $rc\n`,
  );
  chmodSync(join(shims, 'git'), 0o755);
  process.env.PATH = `${shims}:${PATH}`;
  remote = join(tmp, 'remote.git');
  seed = join(tmp, 'seed');
  workspace = join(tmp, 'workspace');
  git(tmp, 'init', '-q', '--bare', '-b', 'main', remote);
  git(tmp, 'init', '-q', '-b', 'main', seed);
  git(seed, 'remote', 'add', 'origin', remote);
  seedCommit('README.md');
});

afterEach(() => {
  process.env.PATH = PATH;
  rmSync(tmp, { recursive: true, force: true });
});

function seedCommit(file: string): void {
  writeFileSync(join(seed, file), `${file}\n`);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', file);
  git(seed, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
}

/** A runner's set-up of mission `id` in the host's clone, as runnerWorkspace.ts does it. */
async function setUp(id: string) {
  const repo = await ensureRepo({ name: 'app', url: remote, workspace });
  return prepareWorktree({
    repo,
    workspace,
    missionId: id,
    branch: `roshi/${id}`,
    baseBranch: 'main',
    remote: 'origin',
  });
}

/**
 * Mission `other`'s worktree half made: its admin file `file` reads `midway`. It is finished
 * (the file as it was) after the first git command that fails, unless `stays` broken.
 */
function halfMade(file: 'commondir' | 'HEAD', midway: string, stays = false): () => void {
  const path = join(workspace, 'repos', 'app', '.git', 'worktrees', 'other', file);
  const done = join(tmp, `${file}.done`);
  writeFileSync(done, readFileSync(path));
  writeFileSync(path, midway);
  if (!stays) writeFileSync(onGitFailure, `cp "${done}" "${path}"\n`);
  return () => writeFileSync(path, readFileSync(done));
}

describe('runners of one host sharing a clone', () => {
  it("make the project's first clone at the same moment: every one of them gets the clone", async () => {
    const repos = await Promise.all([1, 2, 3, 4].map(() => ensureRepo({ name: 'app', url: remote, workspace })));
    expect(new Set(repos)).toEqual(new Set([join(workspace, 'repos', 'app')]));
    expect(git(repos[0]!, 'rev-parse', 'origin/main')).toBe(git(seed, 'rev-parse', 'HEAD'));
    expect(readdirSync(join(workspace, 'repos'))).toEqual(['app']); // no temporary clone left
  });

  describe("set up a mission while another mission's `git worktree add` is half way", () => {
    it('its commondir still empty: the set-up waits for it', async () => {
      await setUp('other');
      halfMade('commondir', '');
      const wt = await setUp('m1');
      expect(git(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('roshi/m1');
    });

    it('its HEAD still the all-zero placeholder while new commits are fetched: the set-up waits for it', async () => {
      await setUp('other');
      seedCommit('newer.txt');
      halfMade('HEAD', `${'0'.repeat(40)}\n`);
      const wt = await setUp('m1');
      expect(wt.head).toBe(git(seed, 'rev-parse', 'HEAD'));
    });

    it('a worktree that stays broken still fails the set-up, with git’s words', async () => {
      await setUp('other');
      const restore = halfMade('commondir', '', true);
      try {
        const failure = await setUp('m1').catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(GitError);
        expect((failure as GitError).stderrTail).toMatch(/failed to read \S*worktrees\/other\/commondir/);
      } finally {
        restore();
      }
    });
  });

  it("recognises git's words for a half-made worktree, and only those", () => {
    const halfWay = [
      'fatal: failed to read .git/worktrees/m77/commondir: Success',
      'fatal: failed to read /w/repos/app/.git/worktrees/m77/commondir: No such file or directory',
      'fatal: bad object worktrees/m77/HEAD\nerror: /r/remote.git did not send all necessary objects',
      // the hosts-throughput bench: another runner's `worktree prune` between add's mkdir and its lock
      "Preparing worktree (new branch 'roshi/b')\nfatal: could not open '.git/worktrees/mx83n0r2ycl/locked' for writing: No such file or directory",
    ];
    for (const message of halfWay) expect(isHalfMadeWorktree(message), message).toBe(true);
    expect(isHalfMadeWorktree('fatal: bad object HEAD')).toBe(false);
    expect(isHalfMadeWorktree('fatal: invalid reference: origin/nope')).toBe(false);
  });
});
