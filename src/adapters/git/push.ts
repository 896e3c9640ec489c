// Pushing a mission's branch to its remote (the fork in a pushRemote setup).
import { revParse } from './refs.js';
import { git, NETWORK_TIMEOUT_MS } from './run.js';

export interface PushOptions {
  remote: string;
  branch: string;
  /** Only for /rebase of our own branch: replace the remote branch if it is still what we fetched. */
  force?: 'with-lease';
}

/**
 * Pushes HEAD to `<remote>/<branch>` and sets it as upstream. A non-fast-forward is a
 * PushRejectedError: roshi never overwrites a branch someone else moved, unless asked to with
 * a lease (then only if the remote still has the commit we fetched).
 */
export async function push(worktree: string, options: PushOptions): Promise<{ sha: string }> {
  const args = ['push', '--porcelain', '--set-upstream'];
  if (options.force === 'with-lease') args.push(`--force-with-lease=refs/heads/${options.branch}`);
  args.push(options.remote, `HEAD:refs/heads/${options.branch}`);
  await git(args, { cwd: worktree, timeoutMs: NETWORK_TIMEOUT_MS });
  // `HEAD:<ref>` does not set the upstream of a detached HEAD; set it for the branch explicitly.
  await git(['branch', '--set-upstream-to', `${options.remote}/${options.branch}`], {
    cwd: worktree,
    okExitCodes: [0, 128],
  });
  return { sha: await revParse(worktree, 'HEAD') };
}
