// Auto-merge of roshi's own pull requests (config autoMerge); the per-poll decision is in
// autoMergeDecide.ts. mergePullRequest merges only after fresh checks (configured repository,
// own PR, recheck() still open and green on the same head sha, the last gate not red) and
// sends that sha, so GitHub refuses when the head moved; anything but a merge is a reset.
// docs/github-mentions.md#auto-merge
import { isOwnBranch } from '../runner/slug.js';
import { mergePull, parsePullUrl, statusOf, type GitHubClient } from '../adapters/github/index.js';
import { pullGateMark } from '../adapters/github/pullEdits.js';
import { notGreenReason, type MergeCandidate } from './autoMergeDecide.js';
import { judgeOwnership } from './ownership.js';
import type { TrackedPr } from './types.js';

export {
  decideAutoMerge,
  notGreenReason,
  type AutoMergeAction,
  type AutoMergeDecision,
  type AutoMergeSettings,
  type MergeCandidate,
} from './autoMergeDecide.js';

export interface MergeOptions {
  method: 'merge' | 'squash' | 'rebase';
  /** owner/name the poller is configured for; a PR of any other repository is refused. */
  expectedRepo: string;
  branchPrefix: string;
  /** prPoller.ownForks: head repositories besides expectedRepo whose prefixed branches are roshi's. */
  ownForks?: readonly string[];
  /** A fresh look at the PR on GitHub (head, state, CI, review threads), bypassing any cache. */
  recheck: () => Promise<MergeCandidate>;
}

export type MergeOutcome =
  | 'merged'
  /** The PR is not of the configured repository. */
  | 'wrong_repo'
  /** The head branch or head repository is not roshi's. */
  | 'not_own'
  /** The re-check failed (GitHub error). */
  | 'recheck_failed'
  /** The re-check found the PR closed, red, pending or with unresolved feedback. */
  | 'not_green'
  /** The head moved since the decision (re-check or GitHub's sha guard). */
  | 'head_changed'
  /** GitHub refused or failed the merge (not mergeable, conflicts, protection, permissions). */
  | 'merge_failed';

export interface MergeResult {
  merged: boolean;
  outcome: MergeOutcome;
  reason: string;
  /** The merge commit, when merged. */
  sha?: string;
  /** The PR as re-checked right before merging, when the re-check ran. */
  fresh?: MergeCandidate;
  /** Always true unless merged: clear greenSince, the grace period starts over. */
  reset: boolean;
}

const sameRepo = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Whether a PR's web URL is `…/<repo>/pull/<number>`. */
function urlMatches(pr: TrackedPr, repo: string): boolean {
  const pull = parsePullUrl(pr.url);
  return pull !== undefined && sameRepo(pull.repo, repo) && pull.number === pr.number;
}

/** Merges an own PR after re-checking it; never throws for GitHub's refusals (see MergeResult). */
export async function mergePullRequest(
  github: GitHubClient,
  pr: MergeCandidate,
  options: MergeOptions,
): Promise<MergeResult> {
  const fail = (outcome: Exclude<MergeOutcome, 'merged'>, reason: string, fresh?: MergeCandidate): MergeResult => ({
    merged: false,
    outcome,
    reason,
    reset: true,
    ...(fresh === undefined ? {} : { fresh }),
  });

  if (!sameRepo(pr.repo, options.expectedRepo) || !urlMatches(pr, options.expectedRepo)) {
    return fail('wrong_repo', `${pr.repo}#${pr.number} (${pr.url}) is not a pull request of ${options.expectedRepo}`);
  }
  if (!isOwnBranch(options.branchPrefix, pr.branch)) {
    return fail('not_own', `head branch ${pr.branch} does not start with ${options.branchPrefix.replace(/\/+$/, '')}/`);
  }
  const rule = { branchPrefix: options.branchPrefix, ownForks: options.ownForks ?? [] };
  const known =
    pr.headRepo === undefined
      ? undefined
      : judgeOwnership({ repo: options.expectedRepo, headRef: pr.branch, headRepo: pr.headRepo }, rule);
  if (known && !known.own) return fail('not_own', `not roshi's own: ${known.reason}`);

  let fresh: MergeCandidate;
  try {
    fresh = await options.recheck();
  } catch (error) {
    return fail(
      'recheck_failed',
      `re-check before merging failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!sameRepo(fresh.repo, pr.repo) || fresh.number !== pr.number) {
    return fail(
      'wrong_repo',
      `the re-check answered for ${fresh.repo}#${fresh.number}, not ${pr.repo}#${pr.number}`,
      fresh,
    );
  }
  // The fresh answer decides: a record from before head repositories were kept has none.
  const ownership = judgeOwnership(
    { repo: options.expectedRepo, headRef: fresh.branch, headRepo: fresh.headRepo },
    rule,
  );
  if (!ownership.own) return fail('not_own', `not roshi's own: ${ownership.reason}`, fresh);
  if (fresh.headSha !== pr.headSha) {
    return fail(
      'head_changed',
      `head moved from ${pr.headSha.slice(0, 7)} to ${fresh.headSha.slice(0, 7)} since it turned green`,
      fresh,
    );
  }
  // The gate mark lives in the PR's body, which the re-check does not read.
  try {
    const lastGate = await pullGateMark(github, pr.repo, pr.number);
    if (lastGate) fresh = { ...fresh, lastGate };
  } catch (error) {
    return fail(
      'recheck_failed',
      `reading the PR's gate mark before merging failed: ${error instanceof Error ? error.message : String(error)}`,
      fresh,
    );
  }
  const why = notGreenReason(fresh);
  if (why !== undefined) return fail('not_green', `re-check before merging: ${why}`, fresh);

  try {
    const result = await mergePull(github, pr.repo, pr.number, pr.headSha, options.method);
    if (!result.merged) return fail('merge_failed', `GitHub did not merge: ${result.message}`, fresh);
    return {
      merged: true,
      outcome: 'merged',
      reason: result.message || 'merged',
      sha: result.sha,
      fresh,
      reset: false,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // 409: "Head branch was modified. Review and try the merge again." (the sha guard)
    if (statusOf(error) === 409) return fail('head_changed', message, fresh);
    return fail('merge_failed', message, fresh);
  }
}
