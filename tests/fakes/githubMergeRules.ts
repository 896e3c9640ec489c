// Routes behind auto-merge's "why does GitHub block it", added to the fake GitHub:
//   GET /repos/{o}/{r}/branches/{branch}/protection  the protection as @octokit/fixtures recorded it
//                                                    (scenario branch-protection), 404 "Branch not
//                                                    protected" (same scenario), or 403 for a token
//                                                    that may not read it
//   GET /repos/{o}/{r}/rules/branches/{branch}       the rules in force (OpenAPI repository-rule-detailed)
//   GET /repos/{o}/{r}/pulls/{n}/reviews             oldest first, paginated (OpenAPI pull-request-review)
import { createRequire } from 'node:module';
import { pageOf } from './githubPages.js';
import type { FakeGitHub, RouteResult } from './github.js';

const require = createRequire(import.meta.url);
/** The recorded exchanges of @octokit/fixtures' branch-protection scenario (GET 404, PUT 200 …). */
const recorded =
  require('@octokit/fixtures/scenarios/api.github.com/branch-protection/normalized-fixture.json') as Array<{
    method: string;
    status: number;
    response: Record<string, unknown>;
  }>;
const notProtected = recorded.find((r) => r.method === 'get' && r.status === 404)?.response;
const protectedAnswer = recorded.find(
  (r) => r.method === 'put' && r.status === 200 && 'required_pull_request_reviews' in r.response,
)?.response as { required_pull_request_reviews: Record<string, unknown> } & Record<string, unknown>;

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface MergeRulesFake {
  /** Branch protection of `branch`: required approving reviews, `'forbidden'` (403) or none (404). */
  protect(repo: string, branch: string, rule: { approvals: number } | 'forbidden' | undefined): void;
  /** A ruleset's pull_request rule on `branch` (GET …/rules/branches/{branch}). */
  ruleset(repo: string, branch: string, approvals: number): void;
  review(repo: string, number: number, login: string, state: ReviewState, commitId?: string): void;
}

export function installMergeRuleRoutes(fake: FakeGitHub, htmlBase = 'https://github.com'): MergeRulesFake {
  if (!notProtected || !protectedAnswer) throw new Error('@octokit/fixtures branch-protection scenario changed');
  const protection = new Map<string, { approvals: number } | 'forbidden'>();
  const rules = new Map<string, number>();
  const reviews: Array<{ repo: string; number: number; login: string; state: ReviewState; commitId: string }> = [];
  const branchKey = (repo: string, branch: string) => `${repo.toLowerCase()}:${branch}`;
  const repoOf = (params: Record<string, string>) => `${params.owner}/${params.repo}`;
  const nextReview = 80;

  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/branches/:branch/protection',
    handler: ({ params }): RouteResult => {
      const rule = protection.get(branchKey(repoOf(params), params.branch ?? ''));
      if (rule === undefined) return { status: 404, body: notProtected };
      if (rule === 'forbidden')
        return {
          status: 403,
          body: {
            message: 'Resource not accessible by integration',
            documentation_url: 'https://docs.github.com/rest/branches/branch-protection#get-branch-protection',
            status: '403',
          },
        };
      const reviewsRule = {
        ...protectedAnswer.required_pull_request_reviews,
        required_approving_review_count: rule.approvals,
      };
      return { status: 200, body: { ...protectedAnswer, required_pull_request_reviews: reviewsRule } };
    },
  });

  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/rules/branches/:branch',
    handler: ({ params }): RouteResult => {
      const repo = repoOf(params);
      const approvals = rules.get(branchKey(repo, params.branch ?? ''));
      const body =
        approvals === undefined
          ? []
          : [
              {
                type: 'pull_request',
                parameters: {
                  dismiss_stale_reviews_on_push: true,
                  require_code_owner_review: false,
                  require_last_push_approval: false,
                  required_approving_review_count: approvals,
                  required_review_thread_resolution: false,
                },
                ruleset_source_type: 'Repository',
                ruleset_source: repo,
                ruleset_id: 42,
              },
            ];
      return { status: 200, body };
    },
  });

  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/pulls/:number/reviews',
    handler: (ctx): RouteResult => {
      const repo = repoOf(ctx.params);
      const list = reviews
        .filter((r) => r.repo.toLowerCase() === repo.toLowerCase() && r.number === Number(ctx.params.number))
        .map((r, i) => ({
          id: nextReview + i,
          node_id: `PRR_${nextReview + i}`,
          user: {
            login: r.login,
            id: r.login.length,
            type: 'User',
            site_admin: false,
            html_url: `${htmlBase}/${r.login}`,
          },
          body: r.state === 'APPROVED' ? 'Looks good.' : 'This looks great.',
          state: r.state,
          html_url: `${htmlBase}/${repo}/pull/${r.number}#pullrequestreview-${nextReview + i}`,
          pull_request_url: `${ctx.fake.url}/repos/${repo}/pulls/${r.number}`,
          _links: {
            html: { href: `${htmlBase}/${repo}/pull/${r.number}#pullrequestreview-${nextReview + i}` },
            pull_request: { href: `${ctx.fake.url}/repos/${repo}/pulls/${r.number}` },
          },
          submitted_at: '2025-01-01T12:00:00Z',
          commit_id: r.commitId,
          author_association: 'COLLABORATOR',
        }));
      const { page, headers } = pageOf(list, ctx.query, `${ctx.fake.url}${ctx.request.path}`);
      return { status: 200, body: page, headers };
    },
  });

  return {
    protect: (repo, branch, rule) => {
      if (rule === undefined) protection.delete(branchKey(repo, branch));
      else protection.set(branchKey(repo, branch), rule);
    },
    ruleset: (repo, branch, approvals) => rules.set(branchKey(repo, branch), approvals),
    review: (repo, number, login, state, commitId = '0'.repeat(40)) => {
      reviews.push({ repo, number, login, state, commitId });
    },
  };
}
