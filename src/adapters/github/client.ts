// createGitHub: one client per token, its methods bound to one transport (octokit, ETag cache,
// counts). The adapter's functions that take a client (merges, comments, branches, runs) reach
// the same transport, so every GitHub call of roshi shares throttling, retries and stats.
import { combinedStatus, jobLogTail, listCheckRuns, listWorkflowRuns } from './ci.js';
import {
  ensurePullRequest,
  findOpenPullRequest,
  getPullRequest,
  listOpenPullRequests,
  pullRequestHead,
} from './pulls.js';
import { listReviewComments, reviewThreads } from './reviews.js';
import { attachTransport, createTransport, type GitHubOptions } from './transport.js';
import type { GitHubClient } from './types.js';

export function createGitHub(options: GitHubOptions): GitHubClient {
  const t = createTransport(options);

  // The one login lookup: GET /user once per client (a failed lookup is asked again next time).
  let viewer: string | undefined;
  async function viewerLogin(): Promise<string> {
    if (viewer === undefined) {
      const { data } = await t.conditionalGet<{ login?: string }>('GET /user', {});
      viewer = data.login ?? '';
    }
    return viewer;
  }

  const client: GitHubClient = {
    ensurePullRequest: (input) => ensurePullRequest(t, input),
    findOpenPullRequest: (input) => findOpenPullRequest(t, input),
    pullRequestHead: (repo, number) => pullRequestHead(t, repo, number),
    listOpenPullRequests: (repo, opts) => listOpenPullRequests(t, repo, opts),
    getPullRequest: (repo, number) => getPullRequest(t, repo, number),
    listCheckRuns: (repo, sha, opts) => listCheckRuns(t, repo, sha, opts),
    combinedStatus: (repo, sha, opts) => combinedStatus(t, repo, sha, opts),
    listWorkflowRuns: (repo, sha, opts) => listWorkflowRuns(t, repo, sha, opts),
    jobLogTail: (repo, jobId, lines) => jobLogTail(t, repo, jobId, lines),
    reviewThreads: (repo, number) => reviewThreads(t, repo, number),
    listReviewComments: (repo, number, opts) => listReviewComments(t, repo, number, opts),
    viewerLogin,
    stats: t.stats,
    apiUrl: t.apiUrl,
  };
  attachTransport(client, t);
  return client;
}
