// A project's repository: an operator's checkout used as is, or a clone roshi makes once into
// <workspace>/repos/<project> and fetches afterwards. See docs/missions.md#setting-up-a-project.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GitError } from './errors.js';
import { git, NETWORK_TIMEOUT_MS } from './run.js';

export interface EnsureRepoInput {
  /** Project name; the clone goes to <workspace>/repos/<name>. */
  name: string;
  /** An existing checkout to use as is. Wins over url. */
  path?: string;
  /** Clone URL when there is no path. */
  url?: string;
  workspace: string;
  /** Name of the remote a fresh clone gets (default origin; '' counts as unset). */
  remote?: string;
  /** Fetch every remote when the clone already exists (default true). */
  fetch?: boolean;
}

/** True when `dir` is inside a git repository (work tree or bare). */
export async function isGitRepo(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const r = await git(['rev-parse', '--git-dir'], { cwd: dir, okExitCodes: [0, 128] }).catch(() => undefined);
  return r?.exitCode === 0;
}

/**
 * The repository path of a project: `path` as is (must be a git repository), else a clone of
 * `url` made once into <workspace>/repos/<name> (fetched on later calls). A clone goes to a
 * temporary sibling first and is renamed into place, so a crash cannot leave a half clone;
 * when another runner of the host renamed its clone there first, that one is used.
 */
export async function ensureRepo(input: EnsureRepoInput): Promise<string> {
  if (input.path) {
    const path = resolve(input.path);
    if (!existsSync(path)) {
      throw new GitError(`project ${input.name}: path ${path} does not exist`, 'git rev-parse --git-dir', '');
    }
    if (!(await isGitRepo(path))) {
      throw new GitError(
        `project ${input.name}: path ${path} is not a git repository (set projects.${input.name}.path to a clone, or leave it empty and set url)`,
        'git rev-parse --git-dir',
        '',
      );
    }
    return path;
  }
  if (!input.url) {
    throw new GitError(`project ${input.name}: neither path nor url is set, nothing to work on`, 'git clone', '');
  }
  if (!/^[A-Za-z0-9._-]+$/.test(input.name) || input.name === '.' || input.name === '..') {
    throw new GitError(
      `project name ${JSON.stringify(input.name)} cannot be used as a directory name`,
      'git clone',
      '',
    );
  }
  const reposDir = join(resolve(input.workspace), 'repos');
  const target = join(reposDir, input.name);
  if (existsSync(target)) {
    if (!(await isGitRepo(target))) {
      throw new GitError(
        `project ${input.name}: ${target} exists but is not a git repository; move it away and roshi will clone again`,
        'git rev-parse --git-dir',
        '',
      );
    }
    if (input.fetch ?? true) await fetchAll(target);
    return target;
  }
  mkdirSync(reposDir, { recursive: true });
  const tmp = mkdtempSync(join(reposDir, `.${input.name}.clone-`)); // git clones into an empty dir
  try {
    await git(['clone', '--origin', input.remote || 'origin', '--', input.url, tmp], {
      cwd: reposDir,
      timeoutMs: NETWORK_TIMEOUT_MS,
    });
    try {
      renameSync(tmp, target);
    } catch (error) {
      // Runners of one host may make the first clone at the same time: the first rename wins.
      if (!isTakenPlace(error) || !(await isGitRepo(target))) throw error;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

/** rename(2) onto a directory that is there and not empty. */
function isTakenPlace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOTEMPTY' || code === 'EEXIST';
}

/** `git fetch --all --prune`: every remote, so fork setups see both the upstream and the fork. */
export async function fetchAll(repo: string): Promise<void> {
  await git(['fetch', '--all', '--prune'], { cwd: repo, timeoutMs: NETWORK_TIMEOUT_MS });
}
