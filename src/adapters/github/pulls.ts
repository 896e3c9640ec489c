// Pull requests: find, open (idempotently), read, list and merge. Titles and bodies go through
// outgoingText. A merge is never retried: a refusal (405/409) is an answer, not an outage.
import { GitHubError } from './errors.js';
import { outgoingText } from './textPolicy.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf, type Transport } from './transport.js';
import type { GitHubClient, Listing, PullHeadInfo, PullRequestInput, PullRequestRef, PullSummary } from './types.js';

export async function findOpenPullRequest(
  t: Transport,
  input: Pick<PullRequestInput, 'repo' | 'head' | 'headOwner'>,
): Promise<Omit<PullRequestRef, 'created'> | undefined> {
  const { owner, name } = splitRepo(input.repo);
  const headOwner = input.headOwner ?? owner;
  const { data } = await call(`GET /repos/${input.repo}/pulls`, () =>
    t.octokit.rest.pulls.list({
      owner,
      repo: name,
      head: `${headOwner}:${input.head}`,
      state: 'open',
      per_page: 100,
      request: t.request(),
    }),
  );
  // GitHub filters by head already; check again so a fake or a proxy cannot make us adopt
  // somebody else's PR.
  const pr = data.find(
    (p) => p.head.ref === input.head && (p.head.repo?.owner.login ?? p.head.user?.login ?? headOwner) === headOwner,
  );
  return pr ? { url: pr.html_url, number: pr.number } : undefined;
}

export async function pullRequestHead(t: Transport, repo: string, number: number): Promise<PullHeadInfo> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`GET /repos/${repo}/pulls/${number}`, () =>
    t.octokit.rest.pulls.get({ owner, repo: name, pull_number: number, request: t.request() }),
  );
  return { ref: data.head.ref, sha: data.head.sha, state: data.state, headRepo: data.head.repo?.full_name ?? '' };
}

export async function ensurePullRequest(t: Transport, input: PullRequestInput): Promise<PullRequestRef> {
  const { owner, name } = splitRepo(input.repo);
  const existing = await findOpenPullRequest(t, input);
  if (existing) {
    t.logger.info({ repo: input.repo, head: input.head, number: existing.number }, 'pull request already open');
    return { ...existing, created: false };
  }
  const headOwner = input.headOwner ?? owner;
  const head = headOwner === owner ? input.head : `${headOwner}:${input.head}`;
  try {
    const { data } = await call(`POST /repos/${input.repo}/pulls`, () =>
      t.octokit.rest.pulls.create({
        owner,
        repo: name,
        head,
        base: input.base,
        title: outgoingText(input.title),
        body: outgoingText(input.body),
        draft: input.draft ?? false,
        request: t.request(),
      }),
    );
    t.logger.info({ repo: input.repo, head: input.head, number: data.number }, 'pull request opened');
    return { url: data.html_url, number: data.number, created: true };
  } catch (error) {
    // Somebody (another runner, a person) opened it between our GET and POST.
    if (error instanceof GitHubError && error.status === 422 && /already exists/i.test(error.message)) {
      const raced = await findOpenPullRequest(t, input);
      if (raced) return { ...raced, created: false };
    }
    throw error;
  }
}

export async function listOpenPullRequests(
  t: Transport,
  repo: string,
  opts: { maxPages?: number } = {},
): Promise<Listing<PullSummary>> {
  const { owner, name } = splitRepo(repo);
  return t.paged<PullSummary, RawPull[]>(
    'GET /repos/{owner}/{repo}/pulls',
    { owner, repo: name, state: 'open' },
    opts.maxPages ?? 3,
    (data) => ({
      items: data.map((p) => toPullSummary(repo, p)),
    }),
  );
}

export async function getPullRequest(t: Transport, repo: string, number: number): Promise<PullSummary> {
  const { owner, name } = splitRepo(repo);
  const { data } = await t.conditionalGet<RawPull>('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
    owner,
    repo: name,
    pull_number: number,
  });
  return toPullSummary(repo, data);
}

/** GET /repos/{o}/{r}/pulls?head=<owner>:<branch>&state=all, every page. */
export async function pullsForHead(
  github: GitHubClient,
  repo: string,
  branch: string,
  headOwner?: string,
): Promise<PullSummary[]> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const pulls = await call(`GET /repos/${repo}/pulls`, () =>
    t.octokit.paginate(t.octokit.rest.pulls.list, {
      owner,
      repo: name,
      head: `${headOwner ?? owner}:${branch}`,
      state: 'all',
      per_page: 100,
      request: t.request(CALL_TIMEOUT_MS),
    }),
  );
  return pulls.filter((p) => p.head.ref === branch).map((p) => toPullSummary(repo, p as RawPull));
}

export interface MergeCallResult {
  merged: boolean;
  /** The merge (or squash/rebase) commit. */
  sha: string;
  message: string;
}

/**
 * PUT /repos/{o}/{r}/pulls/{n}/merge with `sha`: GitHub merges only if the head is still that
 * commit (409 otherwise). 405 means not mergeable (conflicts, branch protection, required reviews).
 */
export async function mergePull(
  github: GitHubClient,
  repo: string,
  number: number,
  sha: string,
  method: 'merge' | 'squash' | 'rebase',
): Promise<MergeCallResult> {
  const t = transportOf(github);
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`PUT /repos/${repo}/pulls/${number}/merge`, () =>
    t.octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
      owner,
      repo: name,
      pull_number: number,
      sha,
      merge_method: method,
      // No retries: a refused merge (405/409) resets the grace period instead of being hammered.
      request: { ...t.request(CALL_TIMEOUT_MS), retries: 0 },
    }),
  );
  return { merged: data.merged, sha: data.sha, message: data.message };
}

interface RawPull {
  number: number;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at?: string | null;
  draft?: boolean;
  updated_at?: string;
  user?: { login?: string } | null;
  head: {
    ref: string;
    sha: string;
    repo?: { full_name?: string; owner?: { login?: string } } | null;
    user?: { login?: string } | null;
  };
  base: { ref: string };
}

function toPullSummary(repo: string, p: RawPull): PullSummary {
  const merged = p.merged === true || (p.merged_at !== undefined && p.merged_at !== null);
  return {
    repo,
    number: p.number,
    url: p.html_url,
    state: merged ? 'merged' : p.state === 'open' ? 'open' : 'closed',
    draft: p.draft === true,
    headRef: p.head.ref,
    headSha: p.head.sha,
    headOwner: p.head.repo?.owner?.login ?? p.head.user?.login ?? repo.split('/')[0] ?? '',
    // No fallback: a deleted head repository must not pass for the base repository.
    headRepo: p.head.repo?.full_name ?? '',
    baseRef: p.base.ref,
    author: p.user?.login ?? '',
    updatedAt: p.updated_at ?? '',
  };
}
