// How a failed GitHub call looks to roshi: one GitHubError (code 'github') naming the route and
// GitHub's message, with the status and rate-limit facts callers branch on. Never the token.
import { RequestError } from 'octokit';
import { RoshiError } from '../../errors.js';
import { rateLimitOf } from './rateLimits.js';

/** A GitHub API call that failed after octokit's own retries. Never carries the token. */
export class GitHubError extends RoshiError {
  override readonly code = 'github';
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

/** The HTTP status of a failed call, when GitHub answered (GitHubError or octokit's RequestError). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export function toGitHubError(route: string, error: unknown): GitHubError {
  if (error instanceof GitHubError) return error;
  if (error instanceof RequestError) {
    const data = error.response?.data as
      | { message?: string; errors?: Array<{ message?: string; code?: string; field?: string }> }
      | undefined;
    const details = (data?.errors ?? [])
      .map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' '))
      .filter((s) => s !== '')
      .join('; ');
    const message = data?.message ?? error.message;
    const hint = error.status === 401 ? ' (check the token in github.tokenEnv)' : '';
    const headers = (error.response?.headers ?? {}) as Record<string, string | undefined>;
    const limit = rateLimitOf(error.status, message, headers);
    // octokit reports a timeout or a refused connection as a 500 without a response
    const status = error.response === undefined && error.status === 500 ? undefined : error.status;
    return new GitHubError(
      `GitHub ${route} failed: ${error.status} ${message}${details ? `: ${details}` : ''}${hint}`,
      status,
      limit !== undefined,
      limit?.waitMs,
    );
  }
  const graphql = graphqlErrorsOf(error);
  if (graphql) return fromGraphqlErrors(route, graphql.errors, graphql.headers);
  const text = error instanceof Error ? error.message : String(error);
  return new GitHubError(`GitHub ${route} failed: ${text}`);
}

interface GraphqlErrorEntry {
  type?: string;
  message?: string;
  path?: unknown[];
}

/**
 * The `errors` of a GraphQL answer that came back as HTTP 200 (octokit's GraphqlResponseError),
 * or of the RATE_LIMITED answer the throttling plugin rethrows once it stops retrying.
 */
function graphqlErrorsOf(
  error: unknown,
): { errors: GraphqlErrorEntry[]; headers: Record<string, string | undefined> } | undefined {
  const e = error as {
    name?: string;
    errors?: unknown;
    headers?: Record<string, string | undefined>;
    response?: { headers?: Record<string, string | undefined>; data?: { errors?: unknown } };
  } | null;
  if (typeof e !== 'object' || e === null) return undefined;
  const errors = e.name === 'GraphqlResponseError' ? e.errors : e.response?.data?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return { errors: errors as GraphqlErrorEntry[], headers: e.headers ?? e.response?.headers ?? {} };
}

/**
 * GitHub answers a GraphQL query it refuses with HTTP 200 and an `errors` list: NOT_FOUND and
 * FORBIDDEN are about this item (404/403, never an outage), RATE_LIMITED is a rate limit, any
 * other type a refused query (400). docs/github.md#one-poll
 */
function fromGraphqlErrors(
  route: string,
  errors: GraphqlErrorEntry[],
  headers: Record<string, string | undefined>,
): GitHubError {
  const types = errors.map((e) => e.type ?? '');
  const text = errors.map((e) => (e.type ? `${e.type}: ${e.message ?? ''}` : (e.message ?? ''))).join('; ');
  const limit = rateLimitOf(undefined, text, headers, types);
  const status = limit ? 403 : types.includes('FORBIDDEN') ? 403 : types.every((t) => t === 'NOT_FOUND') ? 404 : 400;
  return new GitHubError(`GitHub ${route} failed: ${text}`, status, limit !== undefined, limit?.waitMs);
}
