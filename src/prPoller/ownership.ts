// Which pull requests are roshi's own, and which PR a mission command may name. Pure: the
// caller brings what GitHub said (head branch, head repository) and the configuration.
//
// Own = the head branch starts with `<branchPrefix>/` AND the head repository is the PR's own
// (configured) repository or one listed in prPoller.ownForks. The branch name alone proves
// nothing: anyone can open a PR from a fork with a branch called `roshi/…`, and roshi would then
// run its agent on a stranger's code and, with auto-merge on, merge it with its own token. A
// deleted head repository ('' or undefined) is never own: nothing can be checked.
import { parsePullUrl } from '../adapters/github/pullUrl.js';
import { RoshiError } from '../errors.js';
import { isOwnBranch } from '../runner/slug.js';

/** A command names a PR roshi may not work on. Its message starts with "not my PR" (final, no retry). */
export class NotMyPullError extends RoshiError {
  override readonly code = 'not_my_pull';
}

export interface OwnershipRule {
  /** git.branchPrefix */
  branchPrefix: string;
  /** prPoller.ownForks: further head repositories (owner/name) roshi pushes to. */
  ownForks: readonly string[];
}

/** What GitHub says about a PR's head. */
export interface PullHead {
  /** owner/name the PR is opened on (its base repository). */
  repo: string;
  headRef: string;
  /** head.repo.full_name; '' or undefined when the head repository was deleted. */
  headRepo: string | undefined;
}

export type Ownership = { own: true } | { own: false; reason: string };

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Own, or why not (a sentence for logs and replies). */
export function judgeOwnership(pull: PullHead, rule: OwnershipRule): Ownership {
  const prefix = rule.branchPrefix.replace(/\/+$/, '');
  if (!isOwnBranch(rule.branchPrefix, pull.headRef))
    return { own: false, reason: `its head branch ${pull.headRef} does not start with ${prefix}/` };
  const head = pull.headRepo ?? '';
  if (head === '') return { own: false, reason: "its head repository was deleted, so it cannot be roshi's" };
  if (same(head, pull.repo) || rule.ownForks.some((fork) => same(fork, head))) return { own: true };
  return { own: false, reason: `its head repository ${head} is neither ${pull.repo} nor listed in prPoller.ownForks` };
}

export function isOwnPull(pull: PullHead, rule: OwnershipRule): boolean {
  return judgeOwnership(pull, rule).own;
}

/**
 * The PR a mission command (/rebase, /fix, /ci_check, /review of a PR URL) may work on: it must
 * be a PR of the mission's project's repository. Throws a "not my PR" error otherwise (the
 * runner treats that as final); `projectRepo` '' means the project's repository is unknown,
 * which is refused too, since nothing could be checked.
 */
export function pullOfProject(url: string, project: string, projectRepo: string): { repo: string; number: number } {
  const pull = parsePullUrl(url);
  if (!pull)
    throw new NotMyPullError(
      `not my PR: ${url} is not a pull request URL (https://<host>/<owner>/<repo>/pull/<number>)`,
    );
  if (projectRepo.trim() === '') {
    throw new NotMyPullError(
      `not my PR: project ${project} has no known GitHub repository (set projects.${project}.githubRepo), so ${url} cannot be checked`,
    );
  }
  if (!same(pull.repo, projectRepo)) {
    throw new NotMyPullError(`not my PR: ${url} belongs to ${pull.repo}, but project ${project} is ${projectRepo}`);
  }
  return { repo: projectRepo, number: pull.number };
}
