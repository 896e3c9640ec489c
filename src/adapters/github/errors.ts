// How a failed GitHub call looks to roshi: one GitHubError (code 'github') naming the route and
// GitHub's message, with the status and rate-limit facts callers branch on. Never the token.
import { RequestError } from 'octokit';
import { RoshiError } from '../../errors.js';

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
    const limited = rateLimitOf(error.status, message, headers);
    // octokit reports a timeout or a refused connection as a 500 without a response
    const status = error.response === undefined && error.status === 500 ? undefined : error.status;
    return new GitHubError(
      `GitHub ${route} failed: ${error.status} ${message}${details ? `: ${details}` : ''}${hint}`,
      status,
      limited.rateLimited,
      limited.retryAfterMs,
    );
  }
  const text = error instanceof Error ? error.message : String(error);
  return new GitHubError(`GitHub ${route} failed: ${text}`);
}

/** Whether a refusal is a rate limit, and how long GitHub asked to wait (Retry-After, else until the reset). */
function rateLimitOf(
  status: number,
  message: string,
  headers: Record<string, string | undefined>,
): { rateLimited: boolean; retryAfterMs?: number } {
  const limited =
    status === 429 ||
    ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message)));
  if (!limited) return { rateLimited: false };
  const retryAfter = Number(headers['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && headers['retry-after'] !== undefined)
    return { rateLimited: true, retryAfterMs: retryAfter * 1000 };
  const reset = Number(headers['x-ratelimit-reset']);
  if (Number.isFinite(reset) && reset > 0 && headers['x-ratelimit-reset'] !== undefined)
    return { rateLimited: true, retryAfterMs: Math.max(0, reset * 1000 - Date.now()) };
  return { rateLimited: true };
}
