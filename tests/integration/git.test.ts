// The git adapter against real git: local bare remotes stand in for GitHub, a second bare remote
// for a fork. The machine's git config cannot leak in (GIT_CONFIG_GLOBAL=/dev/null,
// GIT_CONFIG_NOSYSTEM=1): identities come from the adapter's options only.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../harness/gitRepo.js';
import {
  commitLeftovers,
  commitsAhead,
  ensureRepo,
  GitError,
  githubHostFromApiUrl,
  githubRepoFromRemote,
  hasCommitsAhead,
  maskCredentials,
  prepareWorktree,
  push,
  PushRejectedError,
  removeWorktree,
} from '../../src/adapters/git.js';

const AUTHOR = { authorName: 'Roshi Bot', authorEmail: 'roshi@example.test' };

let tmp: string;
let remote: string; // bare "upstream"
let fork: string; // bare second remote
let seed: string; // a person's clone that pushes to the remotes
let workspace: string;

/** Commits a file in the seed clone and pushes it to `to` (a remote name there). */
function seedCommit(file: string, content: string, branch = 'main', to = 'origin'): string {
  writeFileSync(join(seed, file), content);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', `seed ${file}`);
  git(seed, 'push', '-q', to, `HEAD:refs/heads/${branch}`);
  return git(seed, 'rev-parse', 'HEAD');
}

/** Mission `missionId`'s worktree in `repo` on `branch`, started from origin/main. */
function worktreeFromMain(
  repo: Parameters<typeof prepareWorktree>[0]['repo'],
  missionId: string,
  branch: string,
  over: Partial<Parameters<typeof prepareWorktree>[0]> = {},
) {
  return prepareWorktree({ repo, workspace, missionId, branch, baseBranch: 'main', remote: 'origin', ...over });
}

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'roshi-git-'));
  remote = join(tmp, 'remote.git');
  fork = join(tmp, 'fork.git');
  seed = join(tmp, 'seed');
  workspace = join(tmp, 'workspace');
  git(tmp, 'init', '-q', '--bare', '-b', 'main', remote);
  git(tmp, 'init', '-q', '--bare', '-b', 'main', fork);
  git(tmp, 'init', '-q', '-b', 'main', seed);
  git(seed, 'remote', 'add', 'origin', remote);
  git(seed, 'remote', 'add', 'fork', fork);
  seedCommit('README.md', '# app\n');
  git(seed, 'push', '-q', 'fork', 'HEAD:refs/heads/main');
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('ensureRepo', () => {
  it('clones url once into <workspace>/repos/<name>, fetches on later calls', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    expect(repo).toBe(join(workspace, 'repos', 'app'));
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# app\n');
    const newer = seedCommit('later.txt', 'later\n');
    expect(await ensureRepo({ name: 'app', url: remote, workspace })).toBe(repo);
    expect(git(repo, 'rev-parse', 'origin/main')).toBe(newer);
    // no temporary clone left behind
    expect(execFileSync('ls', ['-A', join(workspace, 'repos')], { encoding: 'utf8' }).trim()).toBe('app');
  });

  it('uses path as is, and refuses a path that is not a git repository', async () => {
    expect(await ensureRepo({ name: 'app', path: seed, url: remote, workspace })).toBe(seed);
    const plain = join(tmp, 'plain');
    mkdirSync(plain);
    await expect(ensureRepo({ name: 'app', path: plain, workspace })).rejects.toThrow(/plain is not a git repository/);
    await expect(ensureRepo({ name: 'app', path: join(tmp, 'nope'), workspace })).rejects.toThrow(/does not exist/);
    await expect(ensureRepo({ name: 'app', workspace })).rejects.toThrow(/neither path nor url/);
  });

  it('a failed clone is a GitError with the command and stderr, leaving nothing behind', async () => {
    const error = await ensureRepo({ name: 'app', url: join(tmp, 'missing.git'), workspace }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    const gitError = error as GitError;
    expect(gitError.command).toMatch(/^git clone --origin origin -- /);
    expect(gitError.stderrTail).toMatch(/does not exist|not appear to be a git repository/);
    expect(gitError.message).toContain(gitError.stderrTail);
    expect(existsSync(join(workspace, 'repos', 'app'))).toBe(false);
    expect(execFileSync('ls', ['-A', join(workspace, 'repos')], { encoding: 'utf8' }).trim()).toBe('');
  });
});

describe('prepareWorktree', () => {
  it('fetches every remote, then branches from the freshly fetched base', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    git(repo, 'remote', 'add', 'fork', fork);
    // Pushed after the clone: only a fresh fetch sees these.
    const fresh = seedCommit('fresh.txt', 'fresh\n');
    seedCommit('fork-only.txt', 'x\n', 'feature-x', 'fork');

    const wt = await worktreeFromMain(repo, 'm1', 'roshi/fix-a-m00001');
    expect(wt).toMatchObject({
      path: join(workspace, 'worktrees', 'm1'),
      branch: 'roshi/fix-a-m00001',
      startPoint: 'origin/main',
      resumed: false,
      head: fresh,
    });
    expect(git(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('roshi/fix-a-m00001');
    expect(readFileSync(join(wt.path, 'fresh.txt'), 'utf8')).toBe('fresh\n');
    // the second remote was fetched too
    expect(git(repo, 'rev-parse', '--verify', 'refs/remotes/fork/feature-x')).toMatch(/^[0-9a-f]{40}$/);
    // a new branch does not track the base (a bare `git push` must not go to main)
    expect(() => git(wt.path, 'rev-parse', '--abbrev-ref', '@{upstream}')).toThrow();
  });

  it('an empty pushRemote or clone remote (unset in config) means the default', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace, remote: '' });
    expect(git(repo, 'remote')).toBe('origin');
    const wt = await worktreeFromMain(repo, 'm1', 'roshi/x', { pushRemote: '' });
    expect(wt.startPoint).toBe('origin/main');
  });

  it("keepWork keeps an earlier attempt's worktree, work in progress included, while it is on the branch", async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const first = await worktreeFromMain(repo, 'm1', 'roshi/keep');
    writeFileSync(join(first.path, 'agent-work.txt'), 'not committed yet\n');
    const kept = await worktreeFromMain(repo, 'm1', 'roshi/keep', { keepWork: true });
    expect(kept).toMatchObject({ path: first.path, branch: 'roshi/keep', kept: true, head: first.head });
    expect(readFileSync(join(kept.path, 'agent-work.txt'), 'utf8')).toBe('not committed yet\n');
    // Without keepWork (or on another branch) the worktree is made afresh and the leftover is gone.
    const elsewhere = await worktreeFromMain(repo, 'm1', 'roshi/other', { keepWork: true });
    expect(elsewhere.kept).toBe(false);
    expect(existsSync(join(elsewhere.path, 'agent-work.txt'))).toBe(false);
    const fresh = await worktreeFromMain(repo, 'm1', 'roshi/other');
    expect(fresh.kept).toBe(false);
  });

  it('a missing base branch is a clear error', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    await expect(
      prepareWorktree({ repo, workspace, missionId: 'm1', branch: 'roshi/x', baseBranch: 'develop', remote: 'origin' }),
    ).rejects.toThrow(/base branch origin\/develop not found/);
  });

  it('refuses a mission id that is not a plain directory name', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    await expect(worktreeFromMain(repo, '../escape', 'roshi/x')).rejects.toThrow(
      /cannot be used as a worktree directory/,
    );
  });

  it('replaces a leftover worktree of the same mission (crash)', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const first = await worktreeFromMain(repo, 'm1', 'roshi/crash');
    writeFileSync(join(first.path, 'junk.txt'), 'half-done work of a dead runner\n');
    // the dead attempt had also committed locally, never pushed
    writeFileSync(join(first.path, 'local.txt'), 'x\n');
    await commitLeftovers(first.path, { message: 'local only', ...AUTHOR });

    const again = await worktreeFromMain(repo, 'm1', 'roshi/crash');
    expect(again.path).toBe(first.path);
    expect(existsSync(join(again.path, 'junk.txt'))).toBe(false);
    expect(existsSync(join(again.path, 'local.txt'))).toBe(false);
    expect(again.head).toBe(git(repo, 'rev-parse', 'origin/main'));
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(2);
  });

  it('replaces a leftover directory that git no longer knows as a worktree', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const dir = join(workspace, 'worktrees', 'm2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'stray.txt'), 'x');
    const wt = await worktreeFromMain(repo, 'm2', 'roshi/stray');
    expect(existsSync(join(wt.path, 'stray.txt'))).toBe(false);
    expect(existsSync(join(wt.path, 'README.md'))).toBe(true);
  });

  it('removeWorktree removes and prunes, and is idempotent', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const wt = await worktreeFromMain(repo, 'm1', 'roshi/rm');
    writeFileSync(join(wt.path, 'dirty.txt'), 'x');
    await removeWorktree(repo, wt.path);
    expect(existsSync(wt.path)).toBe(false);
    await removeWorktree(repo, wt.path);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });
});

describe('commit and push', () => {
  it('commits leftovers with the configured author, pushes, and a retried mission resumes the remote branch', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const branch = 'roshi/feature-m00001';
    const wt = await worktreeFromMain(repo, 'm1', branch);

    expect(await commitLeftovers(wt.path, { message: 'nothing', ...AUTHOR })).toEqual({
      committed: false,
      sha: wt.head,
    });
    expect(await hasCommitsAhead(wt.path, 'origin/main')).toBe(false);

    writeFileSync(join(wt.path, 'feature.txt'), 'done\n');
    const c = await commitLeftovers(wt.path, {
      message: 'roshi: add feature\n\nMission m1 (free, project app)',
      ...AUTHOR,
    });
    expect(c.committed).toBe(true);
    expect(git(wt.path, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B')).toBe(
      'Roshi Bot <roshi@example.test>|Roshi Bot <roshi@example.test>|roshi: add feature\n\nMission m1 (free, project app)',
    );
    expect(await commitsAhead(wt.path, 'origin/main')).toBe(1);

    expect(await push(wt.path, { remote: 'origin', branch })).toEqual({ sha: c.sha });
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(c.sha);
    expect(git(wt.path, 'rev-parse', '--abbrev-ref', '@{upstream}')).toBe(`origin/${branch}`);
    expect(await hasCommitsAhead(wt.path, `origin/${branch}`)).toBe(false);

    // The runner died after pushing; the mission is retried under a new worktree.
    await removeWorktree(repo, wt.path);
    const retry = await worktreeFromMain(repo, 'm1-retry', branch);
    expect(retry).toMatchObject({ startPoint: `origin/${branch}`, resumed: true, head: c.sha });
    expect(readFileSync(join(retry.path, 'feature.txt'), 'utf8')).toBe('done\n');
    expect(git(retry.path, 'rev-parse', '--abbrev-ref', '@{upstream}')).toBe(`origin/${branch}`);
  });

  it('the commit ignores identities from the environment git would otherwise use', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const wt = await worktreeFromMain(repo, 'm1', 'roshi/id');
    git(wt.path, 'config', 'user.name', 'Local Config');
    git(wt.path, 'config', 'user.email', 'local@config.test');
    writeFileSync(join(wt.path, 'a.txt'), 'a');
    await commitLeftovers(wt.path, { message: 'm', ...AUTHOR });
    expect(git(wt.path, 'log', '-1', '--format=%an %ae %cn %ce')).toBe(
      'Roshi Bot roshi@example.test Roshi Bot roshi@example.test',
    );
  });

  it('a non-fast-forward push is rejected, unless forced with a lease', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const branch = 'roshi/contested';
    const wt = await worktreeFromMain(repo, 'm1', branch);
    writeFileSync(join(wt.path, 'ours.txt'), 'ours\n');
    await commitLeftovers(wt.path, { message: 'ours', ...AUTHOR });
    // Someone else pushed to the same branch meanwhile.
    const theirs = seedCommit('theirs.txt', 'theirs\n', branch);

    const error = await push(wt.path, { remote: 'origin', branch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushRejectedError);
    expect((error as GitError).command).toBe(`git push --porcelain --set-upstream origin HEAD:refs/heads/${branch}`);
    expect((error as GitError).stderrTail).toMatch(/rejected|fetch first|non-fast-forward/);
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(theirs);

    // /rebase: the lease holds only when we know what we replace, so fetch first.
    git(repo, 'fetch', '-q', 'origin');
    const forced = await push(wt.path, { remote: 'origin', branch, force: 'with-lease' });
    expect(git(remote, 'rev-parse', `refs/heads/${branch}`)).toBe(forced.sha);
  });

  it('push to a missing remote names the command and the stderr tail', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    const wt = await worktreeFromMain(repo, 'm1', 'roshi/x');
    const error = (await push(wt.path, { remote: 'nowhere', branch: 'roshi/x' }).catch((e: unknown) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error).not.toBeInstanceOf(PushRejectedError);
    expect(error.message).toMatch(
      /^git push --porcelain --set-upstream nowhere HEAD:refs\/heads\/roshi\/x failed \(exit 128\)/,
    );
    expect(error.stderrTail).toMatch(/nowhere/);
  });

  it('a fork setup pushes to the push remote and resumes from it', async () => {
    const repo = await ensureRepo({ name: 'app', url: remote, workspace });
    git(repo, 'remote', 'add', 'fork', fork);
    const branch = 'roshi/forked';
    const wt = await worktreeFromMain(repo, 'm1', branch, { pushRemote: 'fork' });
    writeFileSync(join(wt.path, 'f.txt'), 'f');
    const c = await commitLeftovers(wt.path, { message: 'f', ...AUTHOR });
    await push(wt.path, { remote: 'fork', branch });
    expect(git(fork, 'rev-parse', `refs/heads/${branch}`)).toBe(c.sha);
    expect(() => git(remote, 'rev-parse', '--verify', `refs/heads/${branch}`)).toThrow();
    // While m1's worktree holds the branch, another mission cannot take it.
    await expect(worktreeFromMain(repo, 'm2', branch, { pushRemote: 'fork' })).rejects.toThrow(
      /branch roshi\/forked is checked out in another worktree \(.*worktrees\/m1\)/,
    );
    await removeWorktree(repo, wt.path);
    const again = await worktreeFromMain(repo, 'm2', branch, { pushRemote: 'fork' });
    expect(again).toMatchObject({ resumed: true, startPoint: `fork/${branch}`, head: c.sha });
  });
});

describe('GitHub remotes', () => {
  it.each([
    ['https://github.com/acme/app', 'acme/app'],
    ['https://github.com/acme/app.git', 'acme/app'],
    ['https://github.com/acme/app.git/', 'acme/app'],
    ['https://x-access-token:secret@github.com/acme/app.git', 'acme/app'],
    ['git@github.com:acme/app.git', 'acme/app'],
    ['git@github.com:acme/my.repo', 'acme/my.repo'],
    ['ssh://git@github.com/acme/app.git', 'acme/app'],
    ['ssh://git@github.com:22/acme/app.git', 'acme/app'],
    ['https://gitlab.com/acme/app.git', undefined],
    ['git@gitlab.com:acme/app.git', undefined],
    ['https://github.com/acme', undefined],
    ['https://github.com/acme/app/tree/main', undefined],
    ['/srv/git/app.git', undefined],
    ['file:///srv/git/app.git', undefined],
    ['https://ghe.example.com/acme/app.git', undefined],
  ])('%s → %s', (url, expected) => {
    expect(githubRepoFromRemote(url)).toBe(expected);
  });

  it('accepts a GitHub Enterprise host derived from github.apiUrl', () => {
    const host = githubHostFromApiUrl('https://ghe.example.com/api/v3');
    expect(host).toBe('ghe.example.com');
    expect(githubRepoFromRemote('https://ghe.example.com/acme/app.git', host)).toBe('acme/app');
    expect(githubRepoFromRemote('git@ghe.example.com:acme/app.git', host)).toBe('acme/app');
    expect(githubRepoFromRemote('ssh://git@GHE.example.com/acme/app.git', host)).toBe('acme/app');
    expect(githubRepoFromRemote('https://other.example.com/acme/app.git', host)).toBeUndefined();
    expect(githubHostFromApiUrl('https://api.github.com')).toBe('github.com');
    expect(githubHostFromApiUrl('https://api.acme.ghe.com')).toBe('acme.ghe.com');
    expect(githubHostFromApiUrl('not a url')).toBeUndefined();
  });

  it('masks credentials in URLs', () => {
    expect(maskCredentials('git clone https://x-access-token:ghp_abc@github.com/o/r.git')).toBe(
      'git clone https://***@github.com/o/r.git',
    );
    expect(maskCredentials('git@github.com:o/r.git')).toBe('git@github.com:o/r.git');
  });
});
