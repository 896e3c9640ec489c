// GitHub's rate-limit rules in one place: which refusal is a rate limit (primary or secondary)
// and how long GitHub asks us to wait. The transport's throttling handlers and GitHubError both
// read them, so a wait is decided once. docs/github.md#cadence-conditional-requests-and-rate-limits

export type RateLimitKind = 'primary' | 'secondary';

export interface RateLimit {
  kind: RateLimitKind;
  /** How long to wait before asking again; undefined when GitHub said nothing usable. */
  waitMs?: number;
}

/** GitHub's guidance for a secondary limit that names no wait: at least a minute, then exponential. */
export const SECONDARY_FIRST_WAIT_MS = 60_000;

/** The wait before the (repeat+1)-th try after secondary limits that named no wait: 1, 2, 4 … minutes. */
export function secondaryWaitMs(repeat: number, minuteMs = SECONDARY_FIRST_WAIT_MS): number {
  return minuteMs * 2 ** Math.max(0, repeat);
}

/**
 * Whether a refusal is a rate limit, and of which kind. Primary: the quota is spent
 * (x-ratelimit-remaining 0, or a GraphQL RATE_LIMITED error). Secondary: a 429, or a 403/429 whose
 * message says "secondary rate limit" (GitHub answers both codes for it).
 */
export function rateLimitKind(
  status: number | undefined,
  message: string,
  headers: Record<string, string | undefined>,
  graphqlTypes: readonly string[] = [],
): RateLimitKind | undefined {
  if (/secondary rate limit/i.test(message)) return 'secondary';
  if (graphqlTypes.includes('RATE_LIMITED')) return 'primary';
  if ((status === 403 || status === 429) && headers['x-ratelimit-remaining'] === '0') return 'primary';
  if (status === 429) return 'secondary';
  if (status === 403 && /rate limit/i.test(message)) return 'primary';
  return undefined;
}

/**
 * GitHub's documented order: `retry-after` when present; else, with no requests left, until
 * `x-ratelimit-reset`; else a secondary limit waits a minute.
 */
export function rateLimitOf(
  status: number | undefined,
  message: string,
  headers: Record<string, string | undefined>,
  graphqlTypes: readonly string[] = [],
  now = Date.now(),
): RateLimit | undefined {
  const kind = rateLimitKind(status, message, headers, graphqlTypes);
  if (!kind) return undefined;
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
    return { kind, waitMs: retryAfter * 1000 };
  const reset = Number(headers['x-ratelimit-reset']);
  if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset) && reset > 0)
    return { kind, waitMs: Math.max(0, reset * 1000 - now) };
  // A secondary limit's x-ratelimit-reset is the primary window's (up to an hour away): not its wait.
  if (kind === 'secondary') return { kind, waitMs: SECONDARY_FIRST_WAIT_MS };
  return { kind };
}
