// The GitHub adapter (octokit with throttling and retry) against the fake GitHub, and the fake's
// own contract (auth, pagination, conditional requests, GitHub Enterprise prefix).
import { Octokit } from 'octokit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, GitHubError } from '../../src/adapters/github/index.js';
import type { Logger } from '../../src/log.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { capturingLogger } from '../harness/logCapture.js';

let fake: FakeGitHub;
let logLines: string[];
let logger: Logger;

beforeEach(async () => {
  fake = await startFakeGitHub();
  ({ logger, lines: logLines } = capturingLogger('debug'));
});

afterEach(async () => {
  await fake.stop();
  expect(logLines.join('')).not.toContain(fake.token);
});

const client = (apiUrl = fake.url, token = fake.token) => createGitHub({ apiUrl, token, logger, retryAfterBaseMs: 10 });
// The fake's own checks speak to it with plain octokit: the adapter hands out no octokit.
const rawOctokit = () => new Octokit({ baseUrl: fake.url, auth: fake.token });
const PR = { repo: 'acme/app', head: 'roshi/x-abcdef', base: 'main', title: 'roshi: x', body: 'body' };

describe('fake GitHub contract', () => {
  it('401 without the token; token and Bearer schemes accepted; /rate_limit is open', async () => {
    const get = (auth?: string) =>
      fetch(`${fake.url}/repos/acme/app/pulls`, auth ? { headers: { authorization: auth } } : {});
    const anonymous = await get();
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
    expect((await get('token nope')).status).toBe(401);
    expect((await get(`token ${fake.token}`)).status).toBe(200);
    expect((await get(`Bearer ${fake.token}`)).status).toBe(200);
    const limits = await fetch(`${fake.url}/rate_limit`);
    expect(limits.status).toBe(200);
    expect(((await limits.json()) as { resources: { core: { limit: number } } }).resources.core.limit).toBe(5000);
    expect(fake.requests[0]!.headers.authorization).toBeUndefined();
    expect(fake.requests[1]!.headers.authorization).toBe('[redacted]');
    expect(fake.requests.map((r) => r.authorized)).toEqual([false, false, true, true, false]);
  });

  it('paginates with a Link header as GitHub does, and octokit follows it', async () => {
    for (let i = 0; i < 25; i += 1) fake.addPull('acme/app', { head: { ref: `roshi/b${i}` } });
    const page2 = await fetch(`${fake.url}/repos/acme/app/pulls?per_page=10&page=2`, {
      headers: { authorization: `token ${fake.token}` },
    });
    const link = page2.headers.get('link') ?? '';
    expect(link).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/app\/pulls\?per_page=10&page=1>; rel="prev"/);
    expect(link).toMatch(/page=3>; rel="next"/);
    expect(link).toMatch(/page=3>; rel="last"/);
    expect(link).toMatch(/page=1>; rel="first"/);
    expect(((await page2.json()) as unknown[]).length).toBe(10);

    const all = await rawOctokit().paginate(rawOctokit().rest.pulls.list, { owner: 'acme', repo: 'app', per_page: 10 });
    expect(all).toHaveLength(25);
    expect(new Set(all.map((p) => p.number)).size).toBe(25);
  });

  it('answers a matching If-None-Match with 304 (conditional requests)', async () => {
    fake.addPull('acme/app', { head: { ref: 'roshi/a' } });
    const headers = { authorization: `token ${fake.token}` };
    const first = await fetch(`${fake.url}/repos/acme/app/pulls/1`, { headers });
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/);
    const second = await fetch(`${fake.url}/repos/acme/app/pulls/1`, {
      headers: { ...headers, 'if-none-match': etag },
    });
    expect(second.status).toBe(304);
  });

  it('routes can be added (later: checks, reviews, GraphQL)', async () => {
    fake.addRoute({
      method: 'POST',
      path: '/graphql',
      handler: ({ body }) => ({ status: 200, body: { data: { echo: body } } }),
    });
    const { data } = await rawOctokit().request('POST /graphql', { query: '{ viewer { login } }' });
    expect(data).toEqual({ data: { echo: { query: '{ viewer { login } }' } } });
  });
});

describe('createGitHub', () => {
  it('ensurePullRequest is idempotent and shapes the PR as GitHub does', async () => {
    const gh = client();
    const first = await gh.ensurePullRequest(PR);
    expect(first).toEqual({ url: 'https://github.com/acme/app/pull/1', number: 1, created: true });
    expect(await gh.ensurePullRequest(PR)).toEqual({
      url: 'https://github.com/acme/app/pull/1',
      number: 1,
      created: false,
    });
    expect(fake.requestsTo('POST', '/repos/acme/app/pulls')).toHaveLength(1);
    // A closed PR on the same head does not count: a new one is opened.
    fake.pulls('acme/app')[0]!.state = 'closed';
    expect(await gh.ensurePullRequest(PR)).toMatchObject({ number: 2, created: true });
  });

  it('PR titles and bodies pass through the secret scrubber before they reach GitHub', async () => {
    const token = `ghp_${'A1b2C3d4'.repeat(5)}`;
    await client().ensurePullRequest({
      ...PR,
      title: `roshi: use ${token}`,
      body: `The agent said: export GITHUB_TOKEN=${token}\nand @copilot`,
    });
    const sent = JSON.stringify(fake.requestsTo('POST', '/repos/acme/app/pulls')[0]?.body);
    expect(sent).not.toContain(token);
    expect(sent).toContain('export GITHUB_TOKEN=[redacted]');
    expect(sent).toContain('roshi: use [redacted]');
    expect(sent).not.toMatch(/@copilot/); // and mentions are still escaped
  });

  it('a duplicate POST is GitHub\'s 422 "already exists"', async () => {
    fake.addPull('acme/app', { head: { ref: PR.head } });
    const res = await fetch(`${fake.url}/repos/acme/app/pulls`, {
      method: 'POST',
      headers: { authorization: `token ${fake.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ head: PR.head, base: 'main', title: 't' }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [
        { resource: 'PullRequest', code: 'custom', message: `A pull request already exists for acme:${PR.head}.` },
      ],
    });
  });

  it('works under a GitHub Enterprise /api/v3 base URL', async () => {
    const pr = await client(`${fake.url}/api/v3`).ensurePullRequest(PR);
    expect(pr.created).toBe(true);
    expect(fake.requests.every((r) => r.path.startsWith('/repos/acme/app/pulls'))).toBe(true);
  });

  it('waits out a primary rate limit and retries', async () => {
    fake.failNext({
      method: 'GET',
      path: '/repos/:owner/:repo/pulls',
      status: 403,
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
    });
    expect(await client().findOpenPullRequest(PR)).toBeUndefined();
    expect(fake.requestsTo('GET', '/repos/acme/app/pulls')).toHaveLength(2);
    expect(logLines.join('')).toContain('GitHub rate limit: retrying');
  });

  it('gives up on a secondary rate limit after a bounded number of retries', async () => {
    fake.failNext({
      method: 'GET',
      path: '/repos/:owner/:repo/pulls',
      status: 403,
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      headers: { 'retry-after': '1' },
      times: 10,
    });
    const error = await client()
      .findOpenPullRequest(PR)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).status).toBe(403);
    expect((error as GitHubError).message).toMatch(
      /^GitHub GET \/repos\/acme\/app\/pulls failed: 403 You have exceeded a secondary rate limit/,
    );
    expect(fake.requestsTo('GET', '/repos/acme/app/pulls')).toHaveLength(3); // first try + 2 retries
    expect(logLines.join('')).toContain('GitHub secondary rate limit: giving up');
  });

  it('retries a server error', async () => {
    fake.failNext({ method: 'GET', path: '/repos/:owner/:repo/pulls', status: 502, times: 2 });
    expect(await client().findOpenPullRequest(PR)).toBeUndefined();
    expect(fake.requestsTo('GET', '/repos/acme/app/pulls')).toHaveLength(3);
  });

  it('a PR with no commits is a clear error', async () => {
    const error = await client()
      .ensurePullRequest({ ...PR, head: 'main' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as Error).message).toBe(
      'GitHub POST /repos/acme/app/pulls failed: 422 Validation Failed: No commits between main and main',
    );
  });

  it('refuses a malformed repository name', async () => {
    await expect(client().ensurePullRequest({ ...PR, repo: 'not a repo' })).rejects.toThrow(
      /not a GitHub repository name/,
    );
  });
});
