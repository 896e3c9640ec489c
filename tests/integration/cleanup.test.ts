// Cleanup of merged roshi branches with real git: a local bare repository is the GitHub remote
// (the fake GitHub's refs routes read and delete its real refs), a clone with a worktree is the
// project's checkout. The machine's git config cannot leak in.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git } from '../harness/gitRepo.js';
import { createGitHub, deleteBranch, type GitHubClient } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { cleanupMergedBranches, type CleanupOptions } from '../../src/prPoller/cleanup.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { installMentionRoutes, type MentionsFake } from '../fakes/githubMentions.js';

const REPO = 'acme/app';

let tmp: string;
let bare: string;
let clone: string;
let fake: FakeGitHub;
let gh: MentionsFake;
let github: GitHubClient;
let counter = 0;

/** A commit on `branch` in the clone (created from main when new); returns its sha. */
function commitOn(branch: string, push = true): string {
  const exists = git(clone, 'branch', '--list', branch) !== '';
  git(clone, 'checkout', '-q', exists ? branch : '-b', ...(exists ? [] : [branch, 'main']));
  counter += 1;
  writeFileSync(join(clone, `f${counter}.txt`), `${counter}\n`);
  git(clone, 'add', '-A');
  git(clone, 'commit', '-q', '-m', `commit ${counter}`);
  if (push) git(clone, 'push', '-q', 'origin', `${branch}:refs/heads/${branch}`);
  return git(clone, 'rev-parse', 'HEAD');
}

const merged = (ref: string, sha: string) => fake.addPull(REPO, { state: 'closed', merged: true, head: { ref, sha } });
const localBranches = () =>
  git(clone, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean).sort();
const remoteBranches = () =>
  git(bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').split('\n').filter(Boolean).sort();

beforeEach(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'roshi-cleanup-'));
  bare = join(tmp, 'remote.git');
  clone = join(tmp, 'clone');
  git(tmp, 'init', '-q', '--bare', '-b', 'main', bare);
  git(tmp, 'init', '-q', '-b', 'main', clone);
  git(clone, 'remote', 'add', 'origin', bare);
  writeFileSync(join(clone, 'README.md'), '# app\n');
  git(clone, 'add', '-A');
  git(clone, 'commit', '-q', '-m', 'init');
  git(clone, 'push', '-q', 'origin', 'main');

  fake = await startFakeGitHub();
  gh = await installMentionRoutes(fake, { bareRepos: { [REPO]: bare } });
  github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 5 });

  // merged, untouched since → goes everywhere
  merged('roshi/merged-a', commitOn('roshi/merged-a'));
  // merged, then more commits pushed → kept everywhere
  merged('roshi/extra-b', commitOn('roshi/extra-b'));
  commitOn('roshi/extra-b');
  // merged once, reused by an open PR → kept
  merged('roshi/open-c', commitOn('roshi/open-c'));
  fake.addPull(REPO, { head: { ref: 'roshi/open-c', sha: commitOn('roshi/open-c') } });
  // closed without merging → kept
  fake.addPull(REPO, { state: 'closed', head: { ref: 'roshi/closed-f', sha: commitOn('roshi/closed-f') } });
  // merged, but not roshi's → kept
  merged('feature/g', commitOn('feature/g'));
  merged('roshi-old/h', commitOn('roshi-old/h'));
  // local branch behind the merged head (someone pushed from a worktree elsewhere) → deleted
  commitOn('roshi/behind-i');
  const i2 = commitOn('roshi/behind-i');
  git(clone, 'reset', '-q', '--hard', 'HEAD~1'); // the local branch stays one commit behind
  merged('roshi/behind-i', i2);
  // local only (GitHub deleted the head branch on merge) → deleted locally
  merged('roshi/local-j', commitOn('roshi/local-j', false));
  // merged, but in a worktree → kept locally
  merged('roshi/wt-e', commitOn('roshi/wt-e'));
  // merged, checked out in the clone → kept locally
  merged('roshi/current-d', commitOn('roshi/current-d'));
  git(clone, 'checkout', '-q', 'main');
  git(clone, 'worktree', 'add', '-q', join(tmp, 'wt-e'), 'roshi/wt-e');
  git(clone, 'checkout', '-q', 'roshi/current-d');
  git(clone, 'fetch', '-q', 'origin');
});

afterEach(async () => {
  await gh.stop();
  await fake.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const opts = (over: Partial<CleanupOptions>): CleanupOptions => ({
  github,
  repo: REPO,
  repoPath: clone,
  remote: 'origin',
  branchPrefix: 'roshi',
  local: false,
  remoteBranches: false,
  logger: silentLogger(),
  ...over,
});
const summary = (list: Array<{ branch: string; where: string }>) => list.map((d) => `${d.where}:${d.branch}`).sort();

const ALL_REMOTE = [
  'feature/g',
  'main',
  'roshi-old/h',
  'roshi/behind-i',
  'roshi/closed-f',
  'roshi/current-d',
  'roshi/extra-b',
  'roshi/merged-a',
  'roshi/open-c',
  'roshi/wt-e',
];
/** The clone has one branch more than GitHub: local-j, never pushed. */
const ALL_LOCAL = [...ALL_REMOTE, 'roshi/local-j'].sort();

describe('cleanupMergedBranches', () => {
  it('both switches on: merged roshi branches go locally and on GitHub, everything else stays', async () => {
    expect(localBranches()).toEqual(ALL_LOCAL);
    expect(remoteBranches()).toEqual(ALL_REMOTE);
    const deleted = await cleanupMergedBranches(opts({ local: true, remoteBranches: true }));
    expect(summary(deleted)).toEqual([
      'local:roshi/behind-i',
      'local:roshi/local-j',
      'local:roshi/merged-a',
      'remote:roshi/behind-i',
      'remote:roshi/current-d',
      'remote:roshi/merged-a',
      'remote:roshi/wt-e',
    ]);
    expect(localBranches()).toEqual([
      'feature/g',
      'main',
      'roshi-old/h',
      'roshi/closed-f',
      'roshi/current-d',
      'roshi/extra-b',
      'roshi/open-c',
      'roshi/wt-e',
    ]);
    expect(remoteBranches()).toEqual([
      'feature/g',
      'main',
      'roshi-old/h',
      'roshi/closed-f',
      'roshi/extra-b',
      'roshi/open-c',
    ]);
    // The clone's remote-tracking refs of deleted remote branches are gone too.
    expect(git(clone, 'for-each-ref', '--format=%(refname:short)', 'refs/remotes/origin/roshi/merged-a')).toBe('');
    // Each entry names the merged PR and the commit.
    const a = deleted.find((d) => d.where === 'local' && d.branch === 'roshi/merged-a')!;
    const pr = fake.pulls(REPO).find((p) => p.number === a.pr);
    expect(pr?.head.ref).toBe('roshi/merged-a');
    expect(pr?.merged).toBe(true);
    expect(a.sha).toBe(pr?.head.sha);
    // Remote deletions went through the API with the branch's slash kept in the path.
    expect(
      fake
        .requestsTo('DELETE', `/repos/${REPO}/git/refs/heads/roshi/`)
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      `/repos/${REPO}/git/refs/heads/roshi/behind-i`,
      `/repos/${REPO}/git/refs/heads/roshi/current-d`,
      `/repos/${REPO}/git/refs/heads/roshi/merged-a`,
      `/repos/${REPO}/git/refs/heads/roshi/wt-e`,
    ]);
  });

  it('local only: nothing is deleted on GitHub (no refs listing, no DELETE)', async () => {
    const deleted = await cleanupMergedBranches(opts({ local: true }));
    expect(summary(deleted)).toEqual(['local:roshi/behind-i', 'local:roshi/local-j', 'local:roshi/merged-a']);
    expect(remoteBranches()).toEqual(ALL_REMOTE);
    expect(fake.requestsTo('GET', `/repos/${REPO}/git/matching-refs`)).toHaveLength(0);
    expect(fake.requestsTo('DELETE', `/repos/${REPO}/git/refs`)).toHaveLength(0);
  });

  it('remote only: local branches stay, and without a clone remote cleanup still works', async () => {
    const deleted = await cleanupMergedBranches(opts({ remoteBranches: true, repoPath: undefined, local: true }));
    expect(summary(deleted)).toEqual([
      'remote:roshi/behind-i',
      'remote:roshi/current-d',
      'remote:roshi/merged-a',
      'remote:roshi/wt-e',
    ]);
    expect(localBranches()).toEqual(ALL_LOCAL);
  });

  it('both off, or no branch prefix: nothing is touched and GitHub is not asked', async () => {
    expect(await cleanupMergedBranches(opts({}))).toEqual([]);
    expect(await cleanupMergedBranches(opts({ local: true, remoteBranches: true, branchPrefix: '' }))).toEqual([]);
    expect(fake.requests).toHaveLength(0);
    expect(localBranches()).toEqual(ALL_LOCAL);
    expect(remoteBranches()).toEqual(ALL_REMOTE);
  });

  it('a failing pull request lookup keeps the branch; the next run deletes it', async () => {
    // 1 try + octokit's 3 retries: the first branch looked up ('roshi/behind-i') fails.
    fake.failNext({ method: 'GET', path: `/repos/${REPO}/pulls`, status: 500, times: 4 });
    const first = await cleanupMergedBranches(opts({ local: true, remoteBranches: true }));
    expect(first.map((d) => d.branch)).not.toContain('roshi/behind-i');
    expect(summary(first)).toContain('local:roshi/merged-a');
    expect(localBranches()).toContain('roshi/behind-i');
    const again = await cleanupMergedBranches(opts({ local: true, remoteBranches: true }));
    expect(summary(again)).toEqual(['local:roshi/behind-i', 'remote:roshi/behind-i']);
  });

  it('deleting a branch that is already gone on GitHub is not an error', async () => {
    expect(await deleteBranch(github, REPO, 'roshi/merged-a')).toBe('deleted');
    expect(await deleteBranch(github, REPO, 'roshi/merged-a')).toBe('missing');
  });
});
