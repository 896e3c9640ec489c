// Why GitHub blocks a merge, as far as a token may read it: the approving reviews branch
// protection or a ruleset requires, and the reviews a PR has. Asked only when the merge box says
// `blocked`; an unreadable rule is undefined, never a guess. docs/github.md#auto-merge
import { statusOf } from './errors.js';
import { everyPage, repoRequest } from './listings.js';
import type { GitHubClient } from './types.js';

/**
 * Approving reviews required to merge into `branch`: the larger of branch protection's
 * required_approving_review_count (needs admin: 403/404 otherwise) and the rulesets'
 * `pull_request` rule (readable with read access). undefined when neither could be read.
 */
export async function requiredApprovingReviews(
  github: GitHubClient,
  repo: string,
  branch: string,
): Promise<number | undefined> {
  const counts: number[] = [];
  try {
    const data = await repoRequest(github, repo, 'GET /repos/{owner}/{repo}/branches/{branch}/protection', { branch });
    counts.push(data.required_pull_request_reviews?.required_approving_review_count ?? 0);
  } catch (error) {
    if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error; // not readable, or "Branch not protected"
  }
  try {
    const rules = await repoRequest(github, repo, 'GET /repos/{owner}/{repo}/rules/branches/{branch}', { branch });
    for (const rule of rules) {
      if (rule.type === 'pull_request')
        counts.push(
          (rule.parameters as { required_approving_review_count?: number } | undefined)
            ?.required_approving_review_count ?? 0,
        );
    }
    if (counts.length === 0) counts.push(0); // rulesets read, none asks for reviews
  } catch (error) {
    if (statusOf(error) !== 403 && statusOf(error) !== 404) throw error;
  }
  return counts.length === 0 ? undefined : Math.max(...counts);
}

export interface ReviewTally {
  /** Reviewers whose latest deciding review approves. */
  approvals: number;
  /** Reviewers whose latest deciding review requests changes. */
  changesRequestedBy: string[];
}

/**
 * GET /repos/{o}/{r}/pulls/{n}/reviews, every page: each reviewer's latest review that decides
 * (APPROVED, CHANGES_REQUESTED, DISMISSED; COMMENTED and PENDING do not), as GitHub counts them.
 */
export async function reviewTally(github: GitHubClient, repo: string, number: number): Promise<ReviewTally> {
  const reviews = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
    pull_number: number,
  });
  const latest = new Map<string, string>();
  for (const review of reviews) {
    const state = review.state.toUpperCase();
    if (state === 'APPROVED' || state === 'CHANGES_REQUESTED' || state === 'DISMISSED')
      latest.set(review.user?.login ?? '', state); // GitHub lists reviews oldest first
  }
  const states = [...latest.entries()];
  return {
    approvals: states.filter(([, s]) => s === 'APPROVED').length,
    changesRequestedBy: states.filter(([, s]) => s === 'CHANGES_REQUESTED').map(([login]) => login),
  };
}
