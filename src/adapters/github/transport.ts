// The one octokit client of roshi: throttling and retry built in, GitHub Enterprise through
// `apiUrl`, user agent "roshi", logs through the caller's pino logger and never the token.
// Reads are conditional GETs when the client is given an ETag cache: a 304 Not Modified is
// answered from the cache and does not count against the rate limit. The octokit object stays
// inside src/adapters/github/: callers get the client interface and the adapter's functions.
import { Octokit, RequestError } from 'octokit';
import type { Logger } from '../../log.js';
import { GitHubError, toGitHubError } from './errors.js';
import { secondaryWaitMs } from './rateLimits.js';
import type { ConditionalCache, GitHubClient, GitHubRequestStats, Listing } from './types.js';

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

/** What the adapter's calls share: the octokit client, its deadline, counts and logger. */
export interface Transport {
  readonly octokit: Octokit;
  readonly apiUrl: string;
  readonly logger: Logger;
  readonly stats: GitHubRequestStats;
  /** Request options with an overall deadline (default the client's requestTimeoutMs). */
  request(timeoutMs?: number): { signal: AbortSignal };
  /** A GET with If-None-Match when the cache has the URL; `route` names the call in errors. */
  conditionalGet<T>(
    route: string,
    params: Record<string, unknown>,
  ): Promise<{ data: T; link?: string; notModified: boolean }>;
  /** Pages 1…maxPages of a listing; `pick` takes the items (and total_count) out of one page. */
  paged<T, R>(
    route: string,
    params: Record<string, unknown>,
    maxPages: number,
    pick: (data: R) => { items: T[]; total?: number },
  ): Promise<Listing<T>>;
}

/**
 * Deadline of the calls that page through everything or write (pulls of a head, merges, comments,
 * branches, runs): fixed, not the client's requestTimeoutMs, since a full pagination may take
 * longer than one poll read. A daemon still must not hang on GitHub.
 */
export const CALL_TIMEOUT_MS = 3 * 60_000;

export function splitRepo(repo: string): { owner: string; name: string } {
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
  if (!m) throw new GitHubError(`not a GitHub repository name: ${JSON.stringify(repo)} (expected owner/name)`);
  return { owner: m[1] ?? '', name: m[2] ?? '' };
}

/** Runs one octokit call; a failure becomes a GitHubError naming the route and GitHub's message. */
export async function call<T>(route: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toGitHubError(route, error);
  }
}

/** A route with its values filled in ("GET /repos/o/r/pulls/5"): how errors name a call. */
export function routeLabel(route: string, params: Record<string, unknown>): string {
  return route.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? k));
}

// Which transport a client runs on: the adapter's functions that take a client find it here,
// so the client itself hands out no octokit.
const transports = new WeakMap<GitHubClient, Transport>();

export function attachTransport(client: GitHubClient, transport: Transport): void {
  transports.set(client, transport);
}

export function transportOf(client: GitHubClient): Transport {
  const transport = transports.get(client);
  if (!transport) throw new GitHubError('not a client made by createGitHub');
  return transport;
}

export function createTransport(options: GitHubOptions): Transport {
  const logger = options.logger.child({ component: 'github' });
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const maxWaitS = (options.maxRateLimitWaitMs ?? 15 * 60_000) / 1000;
  const timeoutMs = options.requestTimeoutMs ?? 3 * 60_000;
  const apiUrl = options.apiUrl.replace(/\/+$/, '');

  const baseMs = options.retryAfterBaseMs ?? 1000;

  // Rate limits are retried here only, by plugin-throttling (plugin-retry leaves 403 and 429
  // alone, below). It waits `retryAfter` seconds: Retry-After, or until x-ratelimit-reset. A
  // secondary limit without Retry-After comes as 0 (fallback set to 0), and waits GitHub's
  // "a minute, then exponential" here, before the plugin's own zero wait.
  const onLimit =
    (kind: 'rate limit' | 'secondary rate limit') =>
    async (
      retryAfter: number,
      request: { method: string; url: string; request?: { signal?: AbortSignal } },
      _octokit: unknown,
      retryCount: number,
    ): Promise<boolean> => {
      const named = kind === 'rate limit' || retryAfter > 0;
      const waitS = named ? retryAfter : secondaryWaitMs(retryCount) / 1000;
      const retry = retryCount < maxRetries && waitS <= maxWaitS;
      logger.warn(
        { method: request.method, url: request.url, retryAfterS: waitS, retryCount, retry },
        retry ? `GitHub ${kind}: retrying in ${waitS} s` : `GitHub ${kind}: giving up`,
      );
      if (!retry || named) return retry;
      return waitOrAbort(waitS * baseMs, request.request?.signal);
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
      fallbackSecondaryRateRetryAfter: 0,
      retryAfterBaseValue: baseMs,
    },
    retry: {
      // 5xx and network errors only: a 429 retried here too made 12 requests of one call.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
      retryAfterBaseValue: baseMs,
      ...(options.retries === undefined ? {} : { retries: options.retries }),
    },
  });

  const request = (ms = timeoutMs) => ({ signal: AbortSignal.timeout(ms) });
  const stats: GitHubRequestStats = { requests: 0, notModified: 0, graphql: 0, errors: 0 };
  const cache = options.etagCache;
  // Every request goes through here, so the counts include every call of the adapter.
  octokit.hook.before('request', () => void stats.requests++);

  // A 304 replays the cached answer (GitHub does not count it against the rate limit).
  async function conditionalGet<T>(
    route: string,
    params: Record<string, unknown>,
  ): Promise<{ data: T; link?: string; notModified: boolean }> {
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
      throw toGitHubError(routeLabel(route, params), error);
    }
  }

  async function paged<T, R>(
    route: string,
    params: Record<string, unknown>,
    maxPages: number,
    pick: (data: R) => { items: T[]; total?: number },
  ): Promise<Listing<T>> {
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

  return { octokit, apiUrl, logger, stats, request, conditionalGet, paged };
}

/** Resolves true after `ms`, or false at once when the call's deadline passes first. */
function waitOrAbort(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
