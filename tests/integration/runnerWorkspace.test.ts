// Mission worktrees against real git (a local bare remote): a cancel or abort during set-up
// leaves no worktree behind, and a stale worktree of a mission no longer running does not block
// the next mission on its branch (issue 10, item 5).
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BranchBusyError, prepareWorktree, worktreePath } from '../../src/adapters/git/worktrees.js';
import { MissionWorkspaces, WorkspaceAbandonedError, type MissionWorktree } from '../../src/runner/workspace.js';
import { git } from '../harness/gitRepo.js';

const BRANCH = 'roshi/pr-7';
const A = 'aaaaaaaaaa1';
const B = 'bbbbbbbbbb2';

let tmp: string;
let repo: string;
let workspace: string;
const running = new Set<string>();

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'roshi-ws-'));
  const remote = join(tmp, 'remote.git');
  const seed = join(tmp, 'seed');
  repo = join(tmp, 'repo');
  workspace = join(tmp, 'workspace');
  git(tmp, 'init', '-q', '--bare', '-b', 'main', remote);
  git(tmp, 'init', '-q', '-b', 'main', seed);
  writeFileSync(join(seed, 'README.md'), '# app\n');
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '-m', 'seed');
  git(seed, 'remote', 'add', 'origin', remote);
  git(seed, 'push', '-q', 'origin', 'HEAD:refs/heads/main', `HEAD:refs/heads/${BRANCH}`);
  git(tmp, 'clone', '-q', remote, repo);
  running.clear();
});

afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function workspaces(): MissionWorkspaces<MissionWorktree> {
  return new MissionWorkspaces({ workspace, missionHoldsBranch: async (id) => running.has(id) });
}

/** What the runner does to set a mission up on the PR's branch. */
function make(missionId: string): () => Promise<MissionWorktree> {
  return async () => {
    const prepared = await prepareWorktree({
      repo,
      workspace,
      missionId,
      branch: BRANCH,
      baseBranch: 'main',
      remote: 'origin',
    });
    return { repo, worktree: prepared.path };
  };
}

function worktrees(): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '));
}

describe('mission worktrees', () => {
  it('a cancel during set-up removes the worktree once set-up ends, and the next mission on the branch gets it', async () => {
    const ws = workspaces();
    const stop = new AbortController();
    const preparing = ws.prepare(A, make(A), stop.signal);
    // The cancel arrives while git is still at work; the runner records the outcome at once.
    stop.abort();
    const released = ws.release(A);
    await expect(preparing).rejects.toThrow(WorkspaceAbandonedError);
    await released;
    expect(existsSync(worktreePath(workspace, A))).toBe(false);
    expect(worktrees()).toHaveLength(1);
    expect(ws.get(A)).toBeUndefined();
    const next = await ws.prepare(B, make(B));
    expect(git(next.worktree, 'branch', '--show-current')).toBe(BRANCH);
    await ws.release(B);
    expect(worktrees()).toHaveLength(1);
  });

  it('a release while set-up is under way (no abort signal) still removes what set-up makes', async () => {
    const ws = workspaces();
    const preparing = ws.prepare(A, make(A));
    const released = ws.release(A);
    await expect(preparing).rejects.toThrow(WorkspaceAbandonedError);
    expect((await released)?.worktree).toBe(worktreePath(workspace, A));
    expect(existsSync(worktreePath(workspace, A))).toBe(false);
    expect(worktrees()).toHaveLength(1);
  });

  it('a worktree left by a mission no longer running is removed for the next mission on its branch', async () => {
    // A runner died mid-mission (or before this fix, a cancel during set-up): its worktree holds the branch.
    await make(A)();
    const next = await workspaces().prepare(B, make(B));
    expect(git(next.worktree, 'branch', '--show-current')).toBe(BRANCH);
    expect(existsSync(worktreePath(workspace, A))).toBe(false);
  });

  it('a worktree of a mission still running is left alone: the set-up fails, naming it', async () => {
    await make(A)();
    running.add(A);
    await expect(workspaces().prepare(B, make(B))).rejects.toThrow(BranchBusyError);
    expect(existsSync(worktreePath(workspace, A))).toBe(true);
    expect(existsSync(worktreePath(workspace, B))).toBe(false);
  });
});
