// The GitHub adapter (octokit): throttling and retry built in, GitHub Enterprise through
// `apiUrl`, user agent "roshi", logs through the caller's pino logger and never the token.
//
// Everything roshi writes to GitHub (PR titles and bodies now, comments later) goes through
// escapeMentions first: `@copilot`, `@dependabot` and `@github-actions` get a zero-width joiner
// (U+200D) after the '@'. Chosen over backticks because it is invisible, works the same in titles
// (where backticks would show as code), inside existing code spans and in plain text, and is
// idempotent; GitHub's mention parser stops at the joiner, so no bot is summoned by roshi's text.
import { Octokit, RequestError } from 'octokit';
import { RoshiError } from '../errors.js';
import type { Logger } from '../log.js';

/** A GitHub API call that failed after octokit's own retries. Never carries the token. */
export class GitHubError extends RoshiError {
  constructor(
    message: string,
    /** HTTP status, when GitHub answered. */
    readonly status?: number,
  ) {
    super(message);
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
}

export interface PullRequestInput {
  /** 'owner/name' of the repository the PR is opened on (the upstream in a fork setup). */
  repo: string;
  /** The head branch name. */
  head: string;
  /** Owner of the head branch when it lives in a fork; default the repository's owner. */
  headOwner?: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface PullRequestRef {
  url: string;
  number: number;
  /** False when an open PR for the head already existed (or appeared concurrently). */
  created: boolean;
}

export interface GitHubClient {
  /** The open PR for `headOwner:head`, created only when there is none. */
  ensurePullRequest(input: PullRequestInput): Promise<PullRequestRef>;
  /** The open PR for a head, if any. */
  findOpenPullRequest(input: Pick<PullRequestInput, 'repo' | 'head' | 'headOwner'>): Promise<Omit<PullRequestRef, 'created'> | undefined>;
  /** A pull request's head branch and state, for commands on a PR (/rebase, /ci_check, /review). */
  pullRequestHead(repo: string, number: number): Promise<{ ref: string; sha: string; state: string }>;
  /** The underlying client, for the PR poller (checks, reviews, GraphQL). */
  readonly octokit: Octokit;
  readonly apiUrl: string;
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
    ...(options.retryAfterBaseMs === undefined ? {} : { retry: { retryAfterBaseValue: options.retryAfterBaseMs } }),
  });

  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });

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

  async function pullRequestHead(repo: string, number: number) {
    const { owner, name } = splitRepo(repo);
    const { data } = await call(`GET /repos/${repo}/pulls/${number}`, () => octokit.rest.pulls.get({ owner, repo: name, pull_number: number, request: request() }));
    return { ref: data.head.ref, sha: data.head.sha, state: data.state };
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
          title: escapeMentions(input.title),
          body: escapeMentions(input.body),
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

  return { ensurePullRequest, findOpenPullRequest, pullRequestHead, octokit, apiUrl };
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
  if (error instanceof RequestError) {
    const data = error.response?.data as { message?: string; errors?: Array<{ message?: string; code?: string; field?: string }> } | undefined;
    const details = (data?.errors ?? [])
      .map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' '))
      .filter((s) => s !== '')
      .join('; ');
    const message = data?.message ?? error.message;
    const hint = error.status === 401 ? ' (check the token in github.tokenEnv)' : '';
    return new GitHubError(`GitHub ${route} failed: ${error.status} ${message}${details ? `: ${details}` : ''}${hint}`, error.status);
  }
  const text = error instanceof Error ? error.message : String(error);
  return new GitHubError(`GitHub ${route} failed: ${text}`);
}
