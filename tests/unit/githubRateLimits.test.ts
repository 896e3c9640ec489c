// GitHub's rate limits as GitHub answers them, retried in one place (plugin-throttling): one
// rate-limited call makes 1 + maxRateLimitRetries requests (it made 12 when plugin-retry retried
// a 429 inside each of throttling's tries); a secondary limit without Retry-After waits a minute,
// then doubles (it waited for x-ratelimit-reset, ~50 min); GraphQL's 200-with-errors answers are
// about one item, or a rate limit, never an outage. Headers are those of @octokit/fixtures'
// errors scenario (x-ratelimit-limit/remaining/reset/used/resource); bodies are GitHub's texts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHub, GitHubError, type GitHubOptions } from '../../src/adapters/github/index.js';
import { pollBackoffMs } from '../../machines/prPoller.js';
import { rateLimitOf, secondaryWaitMs } from '../../src/adapters/github/rateLimits.js';
import { silentLogger } from '../../src/log.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github.js';

const SECONDARY = {
  message:
    'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:00000:0000000:0000000:00000000.',
  documentation_url:
    'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
};
const PRIMARY = {
  message: 'API rate limit exceeded for user ID 1.',
  documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-primary-rate-limits',
};
const nowS = () => Math.floor(Date.now() / 1000);
/** The x-ratelimit-* headers as @octokit/fixtures records them (errors scenario), quota as given. */
const quota = (remaining: number, resetS: number, resource = 'core') => ({
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': String(remaining),
  'x-ratelimit-reset': String(resetS),
  'x-ratelimit-used': String(5000 - remaining),
  'x-ratelimit-resource': resource,
});

describe('the rules (rateLimits.ts)', () => {
  const now = 1_700_000_000_000;
  it('primary: no requests left → until x-ratelimit-reset', () => {
    expect(rateLimitOf(403, PRIMARY.message, quota(0, now / 1000 + 300), [], now)).toEqual({
      kind: 'primary',
      waitMs: 300_000,
    });
  });
  it('secondary: Retry-After when GitHub sends it', () => {
    expect(
      rateLimitOf(403, SECONDARY.message, { ...quota(4000, now / 1000 + 3000), 'retry-after': '30' }, [], now),
    ).toEqual({ kind: 'secondary', waitMs: 30_000 });
  });
  it('secondary without Retry-After: one minute, not the primary window’s reset (~50 min away)', () => {
    expect(rateLimitOf(403, SECONDARY.message, quota(4000, now / 1000 + 3000), [], now)).toEqual({
      kind: 'secondary',
      waitMs: 60_000,
    });
    expect(rateLimitOf(429, 'Too Many Requests', quota(4000, now / 1000 + 3000), [], now)?.kind).toBe('secondary');
    expect([0, 1, 2, 3].map((n) => secondaryWaitMs(n))).toEqual([60_000, 120_000, 240_000, 480_000]);
  });
  it('GraphQL RATE_LIMITED is a primary limit; a plain 403 or 404 is none', () => {
    expect(
      rateLimitOf(undefined, PRIMARY.message, quota(0, now / 1000 + 60, 'graphql'), ['RATE_LIMITED'], now),
    ).toEqual({
      kind: 'primary',
      waitMs: 60_000,
    });
    expect(
      rateLimitOf(403, 'Resource not accessible by integration', quota(4000, now / 1000), [], now),
    ).toBeUndefined();
    expect(rateLimitOf(404, 'Not Found', quota(4000, now / 1000), [], now)).toBeUndefined();
  });
});

describe('across polls', () => {
  it('a secondary limit without Retry-After: the poller waits a minute, then its doubling backoff grows past it', () => {
    // the pr-poller actor's bounds: min(fastInterval 30 s, 30 s) doubling to 15 min
    const bounds = { backoffBaseMs: 30_000, backoffMaxMs: 15 * 60_000, maxRetryAfterMs: 3600_000 };
    expect([1, 2, 3, 4, 5].map((failures) => pollBackoffMs(failures, bounds, 60_000) / 60_000)).toEqual([
      1, 1, 2, 4, 8,
    ]);
  });
});

describe('one rate-limited call, retried in one place', () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await startFakeGitHub();
  });
  afterAll(async () => {
    await fake.stop();
  });
  const client = (options: Partial<GitHubOptions> = {}) =>
    createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 1, ...options });
  const userRequests = () => fake.requestsTo('GET', '/user').length;

  it('a 429 with Retry-After: 1 + maxRateLimitRetries requests (not 12), then a rate-limited GitHubError', async () => {
    fake.failNext({
      method: 'GET',
      path: '/user',
      status: 429,
      body: SECONDARY,
      headers: { ...quota(4990, nowS() + 3000), 'retry-after': '2' },
      times: 4, // the last one is for the next test
    });
    const before = userRequests();
    const error = await client({ maxRateLimitRetries: 2 })
      .viewerLogin()
      .catch((e: unknown) => e);
    expect(userRequests() - before).toBe(3);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).rateLimited).toBe(true);
    expect((error as GitHubError).retryAfterMs).toBe(2_000);
    expect((error as GitHubError).outage).toBe(false);
  });

  it('with maxRateLimitRetries 0 (the poller: its machine waits) a 429 is one request', async () => {
    const before = userRequests();
    await expect(client({ maxRateLimitRetries: 0 }).viewerLogin()).rejects.toMatchObject({ rateLimited: true });
    expect(userRequests() - before).toBe(1);
  });

  it('a 5xx is still retried (plugin-retry keeps 5xx and network errors)', async () => {
    fake.failNext({ method: 'GET', path: '/user', status: 502, times: 3 });
    const before = userRequests();
    await expect(client({ retries: 2 }).viewerLogin()).rejects.toMatchObject({ outage: true });
    expect(userRequests() - before).toBe(3);
  });

  it('a secondary limit without Retry-After waits a minute, then two (scaled), and says a minute', async () => {
    fake.failNext({
      method: 'GET',
      path: '/user',
      status: 403,
      body: SECONDARY,
      headers: quota(4990, nowS() + 3000),
      times: 3,
    });
    const from = fake.requests.length;
    const error = (await client({ maxRateLimitRetries: 2, retryAfterBaseMs: 2 })
      .viewerLogin()
      .catch((e: unknown) => e)) as GitHubError;
    const at = fake.requests
      .slice(from)
      .filter((r) => r.path === '/user')
      .map((r) => r.at);
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(115); // 60 s × 2 ms
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(235); // 120 s × 2 ms
    expect(error.rateLimited).toBe(true);
    expect(error.retryAfterMs).toBe(60_000); // not the primary window's reset, 50 min away
  });

  it('a primary limit (x-ratelimit-remaining 0) is not waited past maxRateLimitWaitMs', async () => {
    fake.failNext({ method: 'GET', path: '/user', status: 403, body: PRIMARY, headers: quota(0, nowS() + 600) });
    const before = userRequests();
    const error = (await client({ maxRateLimitRetries: 2, maxRateLimitWaitMs: 60_000 })
      .viewerLogin()
      .catch((e: unknown) => e)) as GitHubError;
    expect(userRequests() - before).toBe(1);
    expect(error.rateLimited).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(590_000);
  });

  it('GraphQL: RATE_LIMITED is a rate limit; NOT_FOUND and FORBIDDEN are about the PR, not an outage', async () => {
    const pull = fake.addPull('acme/app', { head: { ref: 'roshi/x' } });
    const graphqlAnswer = (errors: unknown[], headers: Record<string, string> = {}) =>
      fake.failNext({ method: 'POST', path: '/graphql', status: 200, body: { data: null, errors }, headers });
    const gh = client({ maxRateLimitRetries: 0 });

    graphqlAnswer([{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }], {
      ...quota(0, nowS() + 120, 'graphql'),
    });
    const limited = (await gh.reviewThreads('acme/app', pull.number).catch((e: unknown) => e)) as GitHubError;
    expect(limited).toBeInstanceOf(GitHubError);
    expect(limited.rateLimited).toBe(true);
    expect(limited.retryAfterMs).toBeGreaterThan(100_000);

    graphqlAnswer([
      {
        type: 'NOT_FOUND',
        path: ['repository', 'pullRequest'],
        locations: [{ line: 3, column: 5 }],
        message: `Could not resolve to a PullRequest with the number of ${pull.number}.`,
      },
    ]);
    const missing = (await gh.reviewThreads('acme/app', pull.number).catch((e: unknown) => e)) as GitHubError;
    expect(missing).toMatchObject({ status: 404, rateLimited: false, outage: false });
    expect(missing.message).toMatch(/NOT_FOUND: Could not resolve to a PullRequest/);

    graphqlAnswer([
      {
        type: 'FORBIDDEN',
        path: ['repository', 'pullRequest', 'reviewThreads'],
        extensions: { saml_failure: false },
        locations: [{ line: 4, column: 7 }],
        message: 'Resource not accessible by personal access token',
      },
    ]);
    const forbidden = (await gh.reviewThreads('acme/app', pull.number).catch((e: unknown) => e)) as GitHubError;
    expect(forbidden).toMatchObject({ status: 403, rateLimited: false, outage: false });
  });
});
