// The GitHub adapter (octokit): throttling and retry built in, GitHub Enterprise through
// `apiUrl`, user agent "roshi", logs through the caller's pino logger and never the token.
//
// Everything roshi writes to GitHub (PR titles and bodies now, comments later) goes through
// escapeMentions first: `@copilot`, `@dependabot` and `@github-actions` get a zero-width joiner
// (U+200D) after the '@'. Chosen over backticks because it is invisible, works the same in titles
// (where backticks would show as code), inside existing code spans and in plain text, and is
// idempotent; GitHub's mention parser stops at the joiner, so no bot is summoned by roshi's text.
// Before that, outgoingText passes it through the secret scrubber: a token the agent printed into
// its summary (the PR body) or a mission text must not end up public on GitHub.
//
// The PR poller's reads (pull requests, check runs, commit statuses, workflow runs, review
// comments) are conditional GETs when the client is given an ETag cache: a 304 Not Modified is
// answered from the cache and does not count against the rate limit. Review threads come from
// GraphQL (REST has no "resolved" flag). Job logs follow GitHub's 302 to the log's storage URL.
import { Octokit, RequestError } from 'octokit';
import { RoshiError } from '../errors.js';
import type { Logger } from '../log.js';
import { scrubText } from '../secrets/scrubber.js';
import type { CachedResponse, CheckRun, CombinedStatus, CommitStatus, ConditionalCache, GitHubClient, GitHubRequestStats, Listing, PullHeadInfo, PullRequestInput, PullRequestRef, PullSummary, ReviewComment, ReviewThread, ReviewThreads, WorkflowRun } from './githubTypes.js';

export type { CachedResponse, CheckRun, CombinedStatus, CommitStatus, ConditionalCache, GitHubClient, GitHubRequestStats, Listing, PullHeadInfo, PullRequestInput, PullRequestRef, PullSummary, ReviewComment, ReviewThread, ReviewThreads, WorkflowRun } from './githubTypes.js';

/** A GitHub API call that failed after octokit's own retries. Never carries the token. */
export class GitHubError extends RoshiError {
  constructor(
    message: string,
    /** HTTP status, when GitHub answered. */
    readonly status?: number,
    /** A rate limit (primary or secondary) refused the call. */
    readonly rateLimited = false,
    /** How long GitHub asked to wait (Retry-After, or until x-ratelimit-reset), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** GitHub is unreachable or failing (network, timeout, 5xx): worth waiting out, not the request's fault. */
  get outage(): boolean {
    return this.status === undefined || this.status >= 500;
  }
}

export const ZWJ = '\u200D';
/** The bots roshi must never summon by accident. */
export const ESCAPED_MENTIONS = ['copilot', 'dependabot', 'github-actions'] as const;
// '@' + a bot name, case-insensitive, not already escaped, not followed by more login characters
// (so '@copilot-fan' is someone else and left alone).
const MENTION = new RegExp(`@(?=(?:${ESCAPED_MENTIONS.join('|')})(?![A-Za-z0-9-]))`, 'gi');

/** Inserts U+200D after the '@' of every @copilot, @dependabot and @github-actions mention. */
export function escapeMentions(text: string): string {
  return text.replace(MENTION, `@${ZWJ}`);
}

/** What roshi writes to GitHub (PR titles, bodies, comments): secrets masked, then bot mentions escaped. */
export function outgoingText(text: string): string {
  return escapeMentions(scrubText(text));
}

export interface GitHubOptions {
  /** https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  apiUrl: string;
  token: string;
  logger: Logger;
  /** How often a rate-limited request is retried after waiting (default 2). */
  maxRateLimitRetries?: number;
  /** A rate limit that resets later than this is not waited for (default 15 min). */
  maxRateLimitWaitMs?: number;
  /** Overall deadline of one call, retries and throttle waits included (default 3 min). */
  requestTimeoutMs?: number;
  /** Multiplier of Retry-After seconds, in ms (default 1000); tests make it small. */
  retryAfterBaseMs?: number;
  /** Retries of a failed call (5xx, network) before it fails (default octokit's 3). */
  retries?: number;
  /** ETag cache for conditional GETs (the PR poller's); without one every GET is a full request. */
  etagCache?: ConditionalCache;
}

export function splitRepo(repo: string): { owner: string; name: string } {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
  if (!m) throw new GitHubError(`not a GitHub repository name: ${JSON.stringify(repo)} (expected owner/name)`);
  return { owner: m[1] ?? '', name: m[2] ?? '' };
}

export function createGitHub(options: GitHubOptions): GitHubClient {
  const logger = options.logger.child({ component: 'github' });
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const maxWaitS = (options.maxRateLimitWaitMs ?? 15 * 60_000) / 1000;
  const timeoutMs = options.requestTimeoutMs ?? 3 * 60_000;
  const apiUrl = options.apiUrl.replace(/\/+$/, '');

  const onLimit =
    (kind: 'rate limit' | 'secondary rate limit') =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const retry = retryCount < maxRetries && retryAfter <= maxWaitS;
      logger.warn(
        { method: request.method, url: request.url, retryAfterS: retryAfter, retryCount, retry },
        retry ? `GitHub ${kind}: retrying in ${retryAfter} s` : `GitHub ${kind}: giving up`,
      );
      return retry;
    };

  const octokit = new Octokit({
    auth: options.token,
    baseUrl: apiUrl,
    userAgent: 'roshi',
    // Octokit's own messages (deprecations, retries) go to our logger; none carries the token.
    log: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    throttle: {
      onRateLimit: onLimit('rate limit'),
      onSecondaryRateLimit: onLimit('secondary rate limit'),
      ...(options.retryAfterBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryAfterBaseMs }),
    },
    retry: {
      ...(options.retryAfterBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryAfterBaseMs }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    },
  });

  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  const stats: GitHubRequestStats = { requests: 0, notModified: 0, graphql: 0, errors: 0 };
  const cache = options.etagCache;
  // Every request goes through here, so the counts include the PR calls above as well.
  octokit.hook.before('request', () => void stats.requests++);

  /**
   * A GET with If-None-Match when the cache has the URL; a 304 replays the cached answer (GitHub
   * does not count it against the rate limit). `route` names the call in errors.
   */
  async function conditionalGet<T>(route: string, params: Record<string, unknown>): Promise<{ data: T; link?: string; notModified: boolean }> {
    const { url } = octokit.request.endpoint(route, params);
    const cached = cache?.get(url);
    try {
      const response = await octokit.request(route, {
        ...params,
        ...(cached ? { headers: { 'if-none-match': cached.etag } } : {}),
        request: request(),
      });
      const etag = response.headers.etag;
      const link = response.headers.link;
      if (cache && etag) cache.set(url, { etag, data: response.data, ...(link ? { link } : {}) });
      return { data: response.data as T, ...(link ? { link } : {}), notModified: false };
    } catch (error) {
      if (cached && error instanceof RequestError && error.status === 304) {
        stats.notModified++;
        return { data: cached.data as T, ...(cached.link ? { link: cached.link } : {}), notModified: true };
      }
      stats.errors++;
      throw toGitHubError(`${route.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? k))}`, error);
    }
  }

  /** Pages 1…maxPages of a listing; `pick` takes the items (and total_count) out of one page. */
  async function paged<T, R>(route: string, params: Record<string, unknown>, maxPages: number, pick: (data: R) => { items: T[]; total?: number }): Promise<Listing<T>> {
    const items: T[] = [];
    let total: number | undefined;
    let notModified = true;
    let more = false;
    for (let page = 1; page <= maxPages; page++) {
      const answer = await conditionalGet<R>(route, { ...params, per_page: 100, page });
      notModified &&= answer.notModified;
      const picked = pick(answer.data);
      items.push(...picked.items);
      total ??= picked.total;
      more = answer.link !== undefined && /rel="next"/.test(answer.link);
      if (!more || picked.items.length === 0) break;
    }
    const knownTotal = total ?? items.length;
    return { items, total: knownTotal, truncated: more || knownTotal > items.length, notModified };
  }

  async function findOpenPullRequest(input: Pick<PullRequestInput, 'repo' | 'head' | 'headOwner'>) {
    const { owner, name } = splitRepo(input.repo);
    const headOwner = input.headOwner ?? owner;
    const { data } = await call(`GET /repos/${input.repo}/pulls`, () =>
      octokit.rest.pulls.list({ owner, repo: name, head: `${headOwner}:${input.head}`, state: 'open', per_page: 100, request: request() }),
    );
    // GitHub filters by head already; check again so a fake or a proxy cannot make us adopt
    // somebody else's PR.
    const pr = data.find((p) => p.head.ref === input.head && (p.head.repo?.owner.login ?? p.head.user?.login ?? headOwner) === headOwner);
    return pr ? { url: pr.html_url, number: pr.number } : undefined;
  }

  async function pullRequestHead(repo: string, number: number): Promise<PullHeadInfo> {
    const { owner, name } = splitRepo(repo);
    const { data } = await call(`GET /repos/${repo}/pulls/${number}`, () => octokit.rest.pulls.get({ owner, repo: name, pull_number: number, request: request() }));
    return { ref: data.head.ref, sha: data.head.sha, state: data.state, headRepo: data.head.repo?.full_name ?? '' };
  }

  async function ensurePullRequest(input: PullRequestInput): Promise<PullRequestRef> {
    const { owner, name } = splitRepo(input.repo);
    const existing = await findOpenPullRequest(input);
    if (existing) {
      logger.info({ repo: input.repo, head: input.head, number: existing.number }, 'pull request already open');
      return { ...existing, created: false };
    }
    const headOwner = input.headOwner ?? owner;
    const head = headOwner === owner ? input.head : `${headOwner}:${input.head}`;
    try {
      const { data } = await call(`POST /repos/${input.repo}/pulls`, () =>
        octokit.rest.pulls.create({
          owner,
          repo: name,
          head,
          base: input.base,
          title: outgoingText(input.title),
          body: outgoingText(input.body),
          draft: input.draft ?? false,
          request: request(),
        }),
      );
      logger.info({ repo: input.repo, head: input.head, number: data.number }, 'pull request opened');
      return { url: data.html_url, number: data.number, created: true };
    } catch (error) {
      // Somebody (another runner, a person) opened it between our GET and POST.
      if (error instanceof GitHubError && error.status === 422 && /already exists/i.test(error.message)) {
        const raced = await findOpenPullRequest(input);
        if (raced) return { ...raced, created: false };
      }
      throw error;
    }
  }

  async function listOpenPullRequests(repo: string, opts: { maxPages?: number } = {}): Promise<Listing<PullSummary>> {
    const { owner, name } = splitRepo(repo);
    return paged<PullSummary, RawPull[]>('GET /repos/{owner}/{repo}/pulls', { owner, repo: name, state: 'open' }, opts.maxPages ?? 3, (data) => ({
      items: data.map((p) => toPullSummary(repo, p)),
    }));
  }

  async function getPullRequest(repo: string, number: number): Promise<PullSummary> {
    const { owner, name } = splitRepo(repo);
    const { data } = await conditionalGet<RawPull>('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo: name, pull_number: number });
    return toPullSummary(repo, data);
  }

  async function listCheckRuns(repo: string, sha: string, opts: { maxPages?: number } = {}): Promise<Listing<CheckRun>> {
    const { owner, name } = splitRepo(repo);
    return paged<CheckRun, { total_count?: number; check_runs?: RawCheckRun[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
      { owner, repo: name, ref: sha },
      opts.maxPages ?? 3,
      (data) => ({
        items: (data.check_runs ?? []).map((r) => ({
          id: r.id,
          name: r.name,
          status: r.status,
          conclusion: r.conclusion ?? null,
          ...(r.html_url || r.details_url ? { url: (r.html_url || r.details_url) as string } : {}),
          ...(r.app?.slug ? { app: r.app.slug } : {}),
        })),
        ...(typeof data.total_count === 'number' ? { total: data.total_count } : {}),
      }),
    );
  }

  async function combinedStatus(repo: string, sha: string, opts: { maxPages?: number } = {}): Promise<CombinedStatus> {
    const { owner, name } = splitRepo(repo);
    let state = 'pending';
    const listing = await paged<CommitStatus, { state?: string; total_count?: number; statuses?: RawStatus[] }>(
      'GET /repos/{owner}/{repo}/commits/{ref}/status',
      { owner, repo: name, ref: sha },
      opts.maxPages ?? 1,
      (data) => {
        state = data.state ?? state;
        return {
          items: (data.statuses ?? []).map((s) => ({
            context: s.context,
            state: s.state,
            ...(s.target_url ? { url: s.target_url } : {}),
            ...(s.description ? { description: s.description } : {}),
          })),
          ...(typeof data.total_count === 'number' ? { total: data.total_count } : {}),
        };
      },
    );
    return { state, statuses: listing.items, total: listing.total, truncated: listing.truncated, notModified: listing.notModified };
  }

  async function listWorkflowRuns(repo: string, sha: string, opts: { maxPages?: number } = {}): Promise<Listing<WorkflowRun>> {
    const { owner, name } = splitRepo(repo);
    return paged<WorkflowRun, { total_count?: number; workflow_runs?: RawWorkflowRun[] }>(
      'GET /repos/{owner}/{repo}/actions/runs',
      { owner, repo: name, head_sha: sha },
      opts.maxPages ?? 1,
      (data) => ({
        items: (data.workflow_runs ?? [])
          // GitHub filters by head_sha; a proxy or an old server that ignores it must not mix commits.
          .filter((r) => r.head_sha === undefined || r.head_sha === sha)
          .map((r) => ({
            id: r.id,
            name: r.name ?? r.display_title ?? `run ${r.id}`,
            status: r.status ?? 'queued',
            conclusion: r.conclusion ?? null,
            headSha: r.head_sha ?? sha,
            ...(r.html_url ? { url: r.html_url } : {}),
          })),
        ...(typeof data.total_count === 'number' ? { total: data.total_count } : {}),
      }),
    );
  }

  async function jobLogTail(repo: string, jobId: number, lines: number): Promise<string> {
    const { owner, name } = splitRepo(repo);
    const { data } = await call(`GET /repos/${repo}/actions/jobs/${jobId}/logs`, () =>
      octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', { owner, repo: name, job_id: jobId, request: request() }),
    ).catch((error: unknown) => {
      stats.errors++;
      throw error;
    });
    const text = typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : String(data ?? '');
    return tailLines(text, lines);
  }

  async function reviewThreads(repo: string, number: number): Promise<ReviewThreads> {
    const { owner, name } = splitRepo(repo);
    stats.graphql++;
    let data: RawThreadsQuery;
    try {
      data = await octokit.graphql<RawThreadsQuery>(REVIEW_THREADS_QUERY, { owner, name, number, request: request() });
    } catch (error) {
      stats.errors++;
      throw toGitHubError(`POST /graphql (reviewThreads of ${repo}#${number})`, error);
    }
    const connection = data.repository?.pullRequest?.reviewThreads;
    if (!connection) throw new GitHubError(`GitHub POST /graphql failed: no pull request ${repo}#${number}`, 404);
    let truncated = connection.pageInfo?.hasNextPage === true;
    const threads = (connection.nodes ?? []).filter((n): n is RawThread => n !== null).map((t) => {
      if (t.comments?.pageInfo?.hasNextPage) truncated = true;
      return {
        id: t.id,
        isResolved: t.isResolved === true,
        isOutdated: t.isOutdated === true,
        comments: (t.comments?.nodes ?? [])
          .filter((c): c is RawThreadComment => c !== null)
          .map((c, i) => ({
            id: c.databaseId ?? -(i + 1),
            body: c.body ?? '',
            author: c.author?.login ?? 'ghost',
            ...(c.path ? { path: c.path } : {}),
            ...(typeof c.line === 'number' ? { line: c.line } : {}),
            ...(c.url ? { url: c.url } : {}),
            ...(c.createdAt ? { createdAt: c.createdAt } : {}),
          })),
      };
    });
    return { threads, truncated };
  }

  async function listReviewComments(repo: string, number: number, opts: { maxPages?: number } = {}): Promise<Listing<ReviewComment>> {
    const { owner, name } = splitRepo(repo);
    return paged<ReviewComment, RawReviewComment[]>('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', { owner, repo: name, pull_number: number }, opts.maxPages ?? 3, (data) => ({
      items: data.map((c) => ({
        id: c.id,
        body: c.body ?? '',
        author: c.user?.login ?? 'ghost',
        ...(c.path ? { path: c.path } : {}),
        ...(typeof (c.line ?? c.original_line) === 'number' ? { line: (c.line ?? c.original_line) as number } : {}),
        ...(c.html_url ? { url: c.html_url } : {}),
        ...(c.created_at ? { createdAt: c.created_at } : {}),
      })),
    }));
  }

  let viewer: string | undefined;
  async function viewerLogin(): Promise<string> {
    if (viewer === undefined) {
      const { data } = await conditionalGet<{ login?: string }>('GET /user', {});
      viewer = data.login ?? '';
    }
    return viewer;
  }

  return {
    ensurePullRequest,
    findOpenPullRequest,
    pullRequestHead,
    listOpenPullRequests,
    getPullRequest,
    listCheckRuns,
    combinedStatus,
    listWorkflowRuns,
    jobLogTail,
    reviewThreads,
    listReviewComments,
    viewerLogin,
    stats,
    octokit,
    apiUrl,
  };
}

const REVIEW_THREADS_QUERY = `query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100) {
        pageInfo { hasNextPage }
        nodes {
          id
          isResolved
          isOutdated
          comments(first: 50) {
            pageInfo { hasNextPage }
            nodes { databaseId body author { login } path line url createdAt }
          }
        }
      }
    }
  }
}`;

interface RawPull {
  number: number;
  html_url: string;
  state: string;
  merged?: boolean;
  merged_at?: string | null;
  draft?: boolean;
  updated_at?: string;
  user?: { login?: string } | null;
  head: { ref: string; sha: string; repo?: { full_name?: string; owner?: { login?: string } } | null; user?: { login?: string } | null };
  base: { ref: string };
}
interface RawCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion?: string | null;
  html_url?: string | null;
  details_url?: string | null;
  app?: { slug?: string } | null;
}
interface RawStatus {
  context: string;
  state: string;
  target_url?: string | null;
  description?: string | null;
}
interface RawWorkflowRun {
  id: number;
  name?: string | null;
  display_title?: string;
  status?: string | null;
  conclusion?: string | null;
  head_sha?: string;
  html_url?: string;
}
interface RawReviewComment {
  id: number;
  body?: string;
  user?: { login?: string } | null;
  path?: string;
  line?: number | null;
  original_line?: number | null;
  html_url?: string;
  created_at?: string;
}
interface RawThreadComment {
  databaseId?: number | null;
  body?: string;
  author?: { login?: string } | null;
  path?: string | null;
  line?: number | null;
  url?: string;
  createdAt?: string;
}
interface RawThread {
  id: string;
  isResolved?: boolean;
  isOutdated?: boolean;
  comments?: { pageInfo?: { hasNextPage?: boolean }; nodes?: Array<RawThreadComment | null> };
}
interface RawThreadsQuery {
  repository?: { pullRequest?: { reviewThreads?: { pageInfo?: { hasNextPage?: boolean }; nodes?: Array<RawThread | null> } | null } | null } | null;
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

// GitHub Actions log lines start with an ISO timestamp: noise for the agent.
const LOG_TIMESTAMP = /^\uFEFF?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ?/;

/** The last `lines` non-empty-trailing lines of a log, timestamps removed. */
export function tailLines(text: string, lines: number): string {
  const all = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  return all
    .slice(Math.max(0, all.length - Math.max(1, lines)))
    .map((line) => line.replace(LOG_TIMESTAMP, ''))
    .join('\n');
}

/** Runs one octokit call; a failure becomes a GitHubError naming the route and GitHub's message. */
async function call<T>(route: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toGitHubError(route, error);
  }
}

export function toGitHubError(route: string, error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  if (error instanceof RequestError) {
    const data = error.response?.data as { message?: string; errors?: Array<{ message?: string; code?: string; field?: string }> } | undefined;
    const details = (data?.errors ?? [])
      .map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' '))
      .filter((s) => s !== '')
      .join('; ');
    const message = data?.message ?? error.message;
    const hint = error.status === 401 ? ' (check the token in github.tokenEnv)' : '';
    const headers = (error.response?.headers ?? {}) as Record<string, string | undefined>;
    const limited = rateLimitOf(error.status, message, headers);
    // octokit reports a timeout or a refused connection as a 500 without a response
    const status = error.response === undefined && error.status === 500 ? undefined : error.status;
    return new GitHubError(`GitHub ${route} failed: ${error.status} ${message}${details ? `: ${details}` : ''}${hint}`, status, limited.rateLimited, limited.retryAfterMs);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new GitHubError(`GitHub ${route} failed: ${text}`);
}

/** Whether a refusal is a rate limit, and how long GitHub asked to wait (Retry-After, else until the reset). */
function rateLimitOf(status: number, message: string, headers: Record<string, string | undefined>): { rateLimited: boolean; retryAfterMs?: number } {
  const limited = status === 429 || ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
  if (!limited) return { rateLimited: false };
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && headers['retry-after'] !== undefined) return { rateLimited: true, retryAfterMs: retryAfter * 1000 };
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0 && headers['x-ratelimit-reset'] !== undefined) return { rateLimited: true, retryAfterMs: Math.max(0, reset * 1000 - Date.now()) };
  return { rateLimited: true };
}
