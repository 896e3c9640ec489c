// One worktree per mission attempt, <workspace>/worktrees/<missionId>, on the mission's branch.
// See docs/missions.md#worktree-and-branch.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GitError } from './errors.js';
import { refExists, revParse } from './refs.js';
import { fetchAll } from './repos.js';
import { git } from './run.js';

export interface PrepareWorktreeInput {
  repo: string;
  workspace: string;
  missionId: string;
  branch: string;
  baseBranch: string;
  /** The remote holding the base branch. */
  remote: string;
  /**
   * Where the mission's branch lives (config pushRemote: a fork). Default `remote`. An existing
   * `<pushRemote>/<branch>` (a retried mission, a /rebase of our own PR) is checked out from there.
   */
  pushRemote?: string;
  /**
   * The mission's agent finished in an earlier attempt whose runner died: keep that attempt's
   * worktree as it is (work not yet committed included) when it is still on `branch`.
   */
  keepWork?: boolean;
}

/**
 * The mission's branch is checked out in another worktree. Its owner may be running right now on
 * another runner, so the adapter does not remove it; a caller that knows the owner is gone may
 * (removeWorktree on `holder`) and try again.
 */
export class BranchBusyError extends GitError {
  constructor(
    message: string,
    command: string,
    stderrTail: string,
    gitExitCode: number | undefined,
    /** The repository whose worktree holds the branch. */
    readonly repo: string,
    /** The worktree holding the branch. */
    readonly holder: string,
  ) {
    super(message, command, stderrTail, gitExitCode);
  }
}

export interface PreparedWorktree {
  /** <workspace>/worktrees/<missionId> */
  path: string;
  branch: string;
  /** The ref the branch starts from: `<pushRemote>/<branch>` or `<remote>/<baseBranch>`. */
  startPoint: string;
  /** True when the branch already existed on the remote and was checked out from there. */
  resumed: boolean;
  /** The commit the worktree starts at. */
  head: string;
  /** An earlier attempt's worktree was kept with its work (keepWork). */
  kept: boolean;
}

const SAFE_ID = /^[A-Za-z0-9._-]+$/;

export function worktreePath(workspace: string, missionId: string): string {
  if (!SAFE_ID.test(missionId) || missionId === '.' || missionId === '..') {
    throw new GitError(
      `mission id ${JSON.stringify(missionId)} cannot be used as a worktree directory name`,
      'git worktree add',
      '',
    );
  }
  return join(resolve(workspace), 'worktrees', missionId);
}

/**
 * A fresh worktree for a mission: fetch every remote, remove a leftover worktree of the same
 * mission (a crash), then check out `branch` from `<pushRemote>/<branch>` when it exists, else
 * create it from the freshly fetched `<remote>/<baseBranch>`. The local branch is reset to that
 * start point (`-B`), so a local branch left by a crashed attempt cannot win over the remote.
 * A failure after `git worktree add` began removes what it made: no half-made worktree is left
 * holding the branch.
 */
export async function prepareWorktree(input: PrepareWorktreeInput): Promise<PreparedWorktree> {
  const { repo, branch, baseBranch, remote } = input;
  const pushRemote = input.pushRemote || remote; // '' (unset in config) means the base remote
  const path = worktreePath(input.workspace, input.missionId);
  await fetchAll(repo);
  if (input.keepWork) {
    const kept = await keptWorktree(path, branch);
    if (kept) return kept;
  }
  await removeWorktree(repo, path);

  const baseRef = `refs/remotes/${remote}/${baseBranch}`;
  const branchRef = `refs/remotes/${pushRemote}/${branch}`;
  const resumed = await refExists(repo, branchRef);
  if (!resumed && !(await refExists(repo, baseRef))) {
    throw new GitError(
      `base branch ${remote}/${baseBranch} not found after fetching ${repo} (check projects.*.baseBranch and remote)`,
      `git rev-parse --verify ${baseRef}`,
      '',
    );
  }
  const startPoint = resumed ? `${pushRemote}/${branch}` : `${remote}/${baseBranch}`;
  mkdirSync(join(resolve(input.workspace), 'worktrees'), { recursive: true });
  // --track only for our own remote branch, so a new branch never has the base as upstream
  // (a bare `git push` there would go to the base branch).
  try {
    await git(
      ['worktree', 'add', resumed ? '--track' : '--no-track', '-B', branch, path, resumed ? branchRef : baseRef],
      { cwd: repo },
    );
    const head = await revParse(path, 'HEAD');
    return { path, branch, startPoint, resumed, head, kept: false };
  } catch (error) {
    await removeWorktree(repo, path).catch(() => undefined);
    const busy =
      error instanceof GitError ? /already (?:checked out|used by worktree) at '([^']+)'/.exec(error.stderrTail) : null;
    if (busy?.[1] && error instanceof GitError) {
      throw new BranchBusyError(
        `branch ${branch} is checked out in another worktree (${busy[1]}): another mission on the same branch is running or was not cleaned up`,
        error.command,
        error.stderrTail,
        error.gitExitCode,
        repo,
        busy[1],
      );
    }
    throw error;
  }
}

/** The worktree at `path` as an earlier attempt left it, when it is there and on `branch`. */
async function keptWorktree(path: string, branch: string): Promise<PreparedWorktree | undefined> {
  if (!existsSync(join(path, '.git'))) return undefined;
  try {
    const on = (await git(['symbolic-ref', '--short', 'HEAD'], { cwd: path })).stdout.trim();
    if (on !== branch) return undefined;
    return { path, branch, startPoint: branch, resumed: true, head: await revParse(path, 'HEAD'), kept: true };
  } catch {
    return undefined; // not a worktree git can read: made afresh
  }
}

/** Removes a mission's worktree (forced: it may hold uncommitted leftovers) and prunes. Idempotent. */
export async function removeWorktree(repo: string, worktree: string): Promise<void> {
  if (existsSync(worktree)) {
    await git(['worktree', 'remove', '--force', '--force', worktree], { cwd: repo, okExitCodes: [0, 128] }).catch(
      () => undefined,
    );
    if (existsSync(worktree) && statSync(worktree).isDirectory()) rmSync(worktree, { recursive: true, force: true });
  }
  await git(['worktree', 'prune'], { cwd: repo });
}
