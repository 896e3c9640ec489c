// Cleanup of merged `<branchPrefix>/` branches (config cleanup.localBranches,
// cleanup.remoteBranches), locally and on GitHub. A branch goes only when its PR is merged, no
// PR on it is open, it still points at the merged head (locally: or an ancestor), and locally it
// is checked out nowhere. A failure on one branch is logged and the others still go.
// The rules and why: docs/github-mentions.md#branch-cleanup.
import { git } from '../adapters/git.js';
import type { Logger } from '../log.js';
import {
  branchesUnder,
  deleteBranch,
  pullsForHead,
  type GitHubClient,
  type PullSummary,
} from '../adapters/github/index.js';

export interface CleanupOptions {
  github: GitHubClient;
  /** owner/name on GitHub. */
  repo: string;
  /** The project's local clone; undefined = no local cleanup. */
  repoPath: string | undefined;
  /** The clone's name for the GitHub remote (remote-tracking refs are dropped with the branch). */
  remote: string;
  branchPrefix: string;
  /** cleanup.localBranches */
  local: boolean;
  /** cleanup.remoteBranches */
  remoteBranches: boolean;
  logger: Logger;
}

export interface DeletedBranch {
  branch: string;
  where: 'local' | 'remote';
  /** The merged PR that made it safe to delete. */
  pr: number;
  /** The commit the branch pointed at. */
  sha: string;
}

interface LocalState {
  tips: Map<string, string>;
  /** Checked out in the clone or in a worktree. */
  busy: Set<string>;
}

async function localState(repoPath: string, prefix: string): Promise<LocalState> {
  const refs = await git(['for-each-ref', '--format=%(refname)%00%(objectname)', `refs/heads/${prefix}/`], {
    cwd: repoPath,
  });
  const tips = new Map<string, string>();
  for (const line of refs.stdout.split('\n')) {
    const [ref, sha] = line.split('\0');
    if (ref?.startsWith('refs/heads/') && sha) tips.set(ref.slice('refs/heads/'.length), sha);
  }
  const busy = new Set<string>();
  const head = await git(['symbolic-ref', '--quiet', 'HEAD'], { cwd: repoPath, okExitCodes: [0, 1, 128] });
  if (head.exitCode === 0 && head.stdout.startsWith('refs/heads/'))
    busy.add(head.stdout.trim().slice('refs/heads/'.length));
  const worktrees = await git(['worktree', 'list', '--porcelain'], { cwd: repoPath });
  for (const line of worktrees.stdout.split('\n')) {
    const m = /^branch refs\/heads\/(.+)$/.exec(line.trim());
    if (m?.[1]) busy.add(m[1]);
  }
  return { tips, busy };
}

/** Whether `tip` is `sha` or an ancestor of it (false when git does not know `sha`). */
async function containedIn(repoPath: string, tip: string, sha: string): Promise<boolean> {
  if (tip === sha) return true;
  const r = await git(['merge-base', '--is-ancestor', tip, sha], { cwd: repoPath, okExitCodes: [0, 1, 128] });
  return r.exitCode === 0;
}

/** Deletes merged `<branchPrefix>/` branches locally and/or on GitHub; returns what was deleted. */
export async function cleanupMergedBranches(options: CleanupOptions): Promise<DeletedBranch[]> {
  const log = options.logger.child({ component: 'cleanup', repo: options.repo });
  const prefix = options.branchPrefix.replace(/\/+$/, '');
  const deleted: DeletedBranch[] = [];
  if (prefix === '') {
    log.warn("git.branchPrefix is empty: no branch is recognisably roshi's, nothing is cleaned up");
    return deleted;
  }
  const doLocal = options.local && options.repoPath !== undefined;
  if (!doLocal && !options.remoteBranches) return deleted;

  const local: LocalState = doLocal
    ? await localState(options.repoPath as string, prefix)
    : { tips: new Map(), busy: new Set() };
  const remote = new Map<string, string>();
  if (options.remoteBranches) {
    for (const { branch, sha } of await branchesUnder(options.github, options.repo, prefix)) remote.set(branch, sha);
  }

  const names = [...new Set([...local.tips.keys(), ...remote.keys()])].filter((b) => b.startsWith(`${prefix}/`)).sort();
  for (const branch of names) {
    let pulls: PullSummary[];
    try {
      pulls = await pullsForHead(options.github, options.repo, branch);
    } catch (error) {
      log.warn({ branch, err: String(error) }, 'could not list the pull requests of a branch; keeping it');
      continue;
    }
    const open = pulls.find((p) => p.state === 'open');
    if (open) {
      log.debug({ branch, pr: open.number }, 'branch has an open pull request; keeping it');
      continue;
    }
    // Only PRs whose head is this very repository vouch for its branch (a deleted head repository cannot).
    const merged = pulls
      .filter((p) => p.state === 'merged' && p.headRepo.toLowerCase() === options.repo.toLowerCase())
      .sort((a, b) => b.number - a.number);
    if (merged.length === 0) continue;
    const byHead = (sha: string) => merged.find((p) => p.headSha === sha);

    const remoteSha = remote.get(branch);
    if (remoteSha !== undefined) {
      const pr = byHead(remoteSha);
      if (!pr) {
        log.info(
          { branch, sha: remoteSha, merged: merged.map((p) => p.number) },
          'remote branch has commits after its merged pull request; keeping it',
        );
      } else {
        try {
          const result = await deleteBranch(options.github, options.repo, branch);
          if (result === 'deleted') deleted.push({ branch, where: 'remote', pr: pr.number, sha: remoteSha });
          log.info({ branch, pr: pr.number, result }, 'merged branch deleted on GitHub');
          if (options.repoPath !== undefined) {
            await git(['update-ref', '-d', `refs/remotes/${options.remote}/${branch}`], {
              cwd: options.repoPath,
              okExitCodes: [0, 1, 128],
            }).catch(() => undefined);
          }
        } catch (error) {
          log.warn({ branch, err: String(error) }, 'could not delete a merged branch on GitHub');
        }
      }
    }

    const tip = local.tips.get(branch);
    if (tip !== undefined && doLocal) {
      const repoPath = options.repoPath as string;
      if (local.busy.has(branch)) {
        log.info({ branch }, 'merged branch is checked out (clone or worktree); keeping it');
        continue;
      }
      let pr: PullSummary | undefined;
      for (const candidate of merged) {
        if (await containedIn(repoPath, tip, candidate.headSha)) {
          pr = candidate;
          break;
        }
      }
      if (!pr) {
        log.info({ branch, sha: tip }, 'local branch has commits its merged pull request does not; keeping it');
        continue;
      }
      try {
        await git(['branch', '-D', branch], { cwd: repoPath });
        deleted.push({ branch, where: 'local', pr: pr.number, sha: tip });
        log.info({ branch, pr: pr.number }, 'merged branch deleted locally');
      } catch (error) {
        log.warn({ branch, err: String(error) }, 'could not delete a merged local branch');
      }
    }
  }
  return deleted;
}
