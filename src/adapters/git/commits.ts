// Commits in a mission's worktree and counting them. Author and committer come from config
// through the environment (which beats any git config file); commits are never signed (nobody
// can answer a pinentry) and skip hooks (the quality and lint gates are roshi's own checks).
// See docs/missions.md#post-mission-pipeline.
import { GitError } from './errors.js';
import { revParse } from './refs.js';
import { git } from './run.js';

export interface CommitOptions {
  message: string;
  authorName: string;
  authorEmail: string;
}

export interface CommitResult {
  committed: boolean;
  /** HEAD after the call (the new commit, or the unchanged HEAD). */
  sha: string;
}

/** The author and committer identity, from config: the environment beats every git config file. */
export function identityEnv(name: string, email: string): Record<string, string> {
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}

/** `git add -A`, and a commit only when something is staged. */
export async function commitLeftovers(worktree: string, options: CommitOptions): Promise<CommitResult> {
  if (!options.authorName.trim() || !options.authorEmail.trim()) {
    throw new GitError('commit needs git.authorName and git.authorEmail', 'git commit', '');
  }
  await git(['add', '-A'], { cwd: worktree });
  const staged = await git(['diff', '--cached', '--quiet'], { cwd: worktree, okExitCodes: [0, 1] });
  if (staged.exitCode === 0) {
    return { committed: false, sha: await revParse(worktree, 'HEAD') };
  }
  await git(['-c', 'commit.gpgSign=false', 'commit', '--no-verify', '--quiet', '--file=-'], {
    cwd: worktree,
    input: options.message.endsWith('\n') ? options.message : `${options.message}\n`,
    env: identityEnv(options.authorName, options.authorEmail),
  });
  return { committed: true, sha: await revParse(worktree, 'HEAD') };
}

/** Commits in `head` (default HEAD) that `base` (a ref such as origin/main) does not have. */
export async function commitsAhead(cwd: string, base: string, head = 'HEAD'): Promise<number> {
  const r = await git(['rev-list', '--count', `${base}..${head}`], { cwd });
  return Number.parseInt(r.stdout.trim(), 10) || 0;
}

export async function hasCommitsAhead(cwd: string, base: string, head = 'HEAD'): Promise<boolean> {
  return (await commitsAhead(cwd, base, head)) > 0;
}
