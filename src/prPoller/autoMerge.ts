// Auto-merge of roshi's own pull requests (config autoMerge); the per-poll decision is in
// autoMergeDecide.ts. mergePullRequest merges only after fresh checks (configured repository,
// own PR, recheck() still open and green on the same head sha, the last gate not red, GitHub's
// merge box allowing it, no refusal of this head remembered) and sends that sha, so GitHub
// refuses when the head moved; anything but a merge is a reset.
// docs/github-mentions.md#auto-merge, docs/github.md#auto-merge
import { isOwnBranch } from '../runner/slug.js';
import { mergePull, parsePullUrl, statusOf, type GitHubClient } from '../adapters/github/index.js';
import { lastGateMark } from '../adapters/github/gateMark.js';
import { requiredApprovingReviews, reviewTally } from '../adapters/github/mergeRules.js';
import { pullMergeState, type PullMergeState } from '../adapters/github/pullEdits.js';
import {
  mergeBoxWait,
  notGreenReason,
  repeatsRefusal,
  type MergeBox,
  type MergeCandidate,
  type MergeRefusal,
} from './autoMergeDecide.js';
import { judgeOwnership } from './ownership.js';
import type { TrackedPr } from './types.js';

export {
  decideAutoMerge,
  mergeBoxWait,
  notGreenReason,
  repeatsRefusal,
  type MergeBox,
  type MergeRefusal,
  type MergeWait,
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
  /** Refusals by GitHub, per PR (refusalKey); read before and written after a merge call. */
  refusals?: Map<string, MergeRefusal>;
  /** How long to wait before reading a merge box GitHub is still computing once more (default 2 s). */
  unknownRetryMs?: number;
}

/** The key of a PR in MergeOptions.refusals. */
export const refusalKey = (pr: { repo: string; number: number }): string => `${pr.repo.toLowerCase()}#${pr.number}`;

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
  /** GitHub's merge box would refuse it: draft, behind, conflicts, reviews required, still computing. */
  | 'waiting'
  /** GitHub refused this head before and nothing changed since: not asked again. */
  | 'refused_before'
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
  /** Why the merge waits, worth telling in chat (once per PR and reason: the caller keeps count). */
  wait?: string;
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
  const fail = (
    outcome: Exclude<MergeOutcome, 'merged'>,
    reason: string,
    fresh?: MergeCandidate,
    wait?: string,
  ): MergeResult => ({
    merged: false,
    outcome,
    reason,
    reset: true,
    ...(fresh === undefined ? {} : { fresh }),
    ...(wait === undefined ? {} : { wait }),
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
  // The gate mark lives in the PR's body, and the merge box in the single PR's answer: neither
  // is in what the re-check reads.
  let state: PullMergeState;
  try {
    state = await pullMergeState(github, pr.repo, pr.number);
    if (state.mergeableState === 'unknown') {
      // GitHub computes mergeability in the background once asked: one more look shortly after.
      await new Promise((resolve) => setTimeout(resolve, options.unknownRetryMs ?? 2_000));
      state = await pullMergeState(github, pr.repo, pr.number);
    }
    const lastGate = lastGateMark(state.body);
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

  const wait = mergeBoxWait(await withReviews(github, pr, state));
  if (wait)
    return fail('waiting', `GitHub would not merge: ${wait.reason}`, fresh, wait.tell ? wait.reason : undefined);
  const key = refusalKey(pr);
  const refused = options.refusals?.get(key);
  if (repeatsRefusal(refused, pr.headSha, state.mergeableState)) {
    return fail('refused_before', `GitHub refused this head before: ${refused?.reason}`, fresh);
  }
  const remember = (reason: string) =>
    options.refusals?.set(key, { sha: pr.headSha, reason, mergeableState: state.mergeableState });

  try {
    const result = await mergePull(github, pr.repo, pr.number, pr.headSha, options.method);
    if (!result.merged) {
      remember(result.message);
      return fail(
        'merge_failed',
        `GitHub did not merge: ${result.message}`,
        fresh,
        `GitHub refused the merge: ${result.message}`,
      );
    }
    options.refusals?.delete(key);
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
    const status = statusOf(error);
    // GitHub's refusals (405 not mergeable, 409 head moved, 422 e.g. base modified) are answers
    // for this head: remembered, not asked again. Anything else (5xx, network) may be retried.
    if (status === 405 || status === 409 || status === 422) remember(message);
    // 409: "Head branch was modified. Review and try the merge again." (the sha guard)
    if (status === 409) return fail('head_changed', message, fresh);
    const refusal = `GitHub refused the merge: ${message.replace(/^GitHub [A-Z]+ \S+ failed: /, '')}`;
    return fail('merge_failed', message, fresh, status === 405 || status === 422 ? refusal : undefined);
  }
}

/**
 * The merge box, with the reviews it waits for when it is `blocked`. Those reads only explain
 * the wait: when they fail, the wait is told without numbers.
 */
async function withReviews(github: GitHubClient, pr: MergeCandidate, state: PullMergeState): Promise<MergeBox> {
  const box: MergeBox = {
    draft: state.draft,
    mergeable: state.mergeable,
    mergeableState: state.mergeableState,
    baseRef: state.baseRef,
  };
  if (state.mergeableState !== 'blocked' || state.draft) return box;
  const [required, tally] = await Promise.all([
    requiredApprovingReviews(github, pr.repo, state.baseRef).catch(() => undefined),
    reviewTally(github, pr.repo, pr.number).catch(() => undefined),
  ]);
  return {
    ...box,
    ...(required === undefined ? {} : { requiredApprovals: required }),
    ...(tally === undefined ? {} : { approvals: tally.approvals, changesRequestedBy: tally.changesRequestedBy }),
  };
}
