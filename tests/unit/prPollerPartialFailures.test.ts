// Partial failures stay partial (issue 15): GitHub answers a GraphQL query it refuses with HTTP 200
// and an `errors` list; on one PR that marks that PR's follow-up failed (retried after a doubling
// backoff) and the cycle judges the other PRs. It used to read as an outage: the cycle ended and
// a lasting error backed the poller off forever. A RATE_LIMITED error still ends the cycle. And
// review-comment ids past 2^31 (GraphQL's deprecated databaseId is null there) must not turn a
// resolved thread into feedback. Error bodies are GitHub's (type, path, locations, message).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHub, GitHubError } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { MemoryTrackedPrStore } from '../../src/prPoller/ciQueue.js';
import { createAuthorizer } from '../../src/prPoller/permissions.js';
import { Poller } from '../../src/prPoller/poller.js';
import { isCycleFatal } from '../../src/prPoller/pollerTypes.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github.js';

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub();
});
afterAll(async () => {
  await fake.stop();
});

let worlds = 0;
function world() {
  const repo = `acme/partial${++worlds}`;
  let now = 1_000_000;
  const missions: Array<{ text: string; context: string }> = [];
  const github = createGitHub({
    apiUrl: fake.url,
    token: fake.token,
    logger: silentLogger(),
    retries: 0,
    maxRateLimitRetries: 0,
    retryAfterBaseMs: 1,
  });
  const poller = new Poller(
    {
      repos: [repo],
      branchPrefix: 'roshi',
      botLogin: 'roshi-bot',
      maxAttempts: 3,
      logTailLines: 5,
      settleMs: 0,
      projectFor: () => 'app',
      followUpBackoffMs: 60_000,
      followUpBackoffMaxMs: 600_000,
    },
    {
      github,
      authorizer: createAuthorizer(github, { authorizedUsers: ['ana'] }),
      store: new MemoryTrackedPrStore(),
      missions: {
        add: async (m) => {
          missions.push(m);
          return { id: `m-${missions.length}` };
        },
      },
      notify: async () => undefined,
      logger: silentLogger(),
      clock: () => now,
    },
  );
  const openPr = (branch: string) => {
    const pull = fake.addPull(repo, { head: { ref: branch } });
    fake.setCheckRuns(repo, pull.head.sha, [{ name: 'test' }]);
    return pull;
  };
  const record = (number: number) => poller.trackedPrs().find((pr) => pr.number === number);
  const threadQueries = (number: number) =>
    fake
      .requestsTo('POST', '/graphql')
      .filter(
        (r) =>
          (r.body as { variables?: { owner?: string; name?: string; number?: number } }).variables?.name ===
          repo.split('/')[1],
      )
      .filter((r) => (r.body as { variables?: { number?: number } }).variables?.number === number).length;
  return {
    repo,
    poller,
    missions,
    openPr,
    record,
    threadQueries,
    advance: (ms: number) => void (now += ms),
  };
}

/** One PR's review-thread query answered with HTTP 200 and `errors`, as GitHub does. */
function refuseThreads(number: number, errors: unknown[], headers: Record<string, string> = {}, times = 1) {
  fake.failNext({
    method: 'POST',
    path: '/graphql',
    status: 200,
    body: { data: { repository: { pullRequest: null } }, errors },
    headers,
    times,
    when: (body) => (body as { variables?: { number?: number } }).variables?.number === number,
  });
}

const notFound = (number: number) => ({
  type: 'NOT_FOUND',
  path: ['repository', 'pullRequest'],
  locations: [{ line: 3, column: 5 }],
  message: `Could not resolve to a PullRequest with the number of ${number}.`,
});
const forbidden = {
  type: 'FORBIDDEN',
  path: ['repository', 'pullRequest', 'reviewThreads'],
  extensions: { saml_failure: false },
  locations: [{ line: 4, column: 7 }],
  message: 'Resource not accessible by personal access token',
};

describe('one PR failing does not stop the poll', () => {
  it('a GraphQL NOT_FOUND on one PR: the cycle goes on and judges the other PR’s CI', async () => {
    const w = world();
    const a = w.openPr('roshi/a');
    const b = w.openPr('roshi/b');
    refuseThreads(a.number, [notFound(a.number)]);
    await expect(w.poller.cycle()).resolves.toMatchObject({ tracked: 2 });
    expect(w.record(b.number)?.ci).toBe('success');
    expect(w.poller.failingFollowUps().size).toBe(1);
  });

  it('a FORBIDDEN on one PR marks its follow-up failed: skipped during its backoff, retried after, doubling', async () => {
    const w = world();
    const a = w.openPr('roshi/a');
    const b = w.openPr('roshi/b');
    refuseThreads(a.number, [forbidden], {}, 2);
    await w.poller.cycle();
    expect(w.threadQueries(a.number)).toBe(1);
    const [failure] = [...w.poller.failingFollowUps().values()];
    expect(failure).toMatchObject({ failures: 1 });
    expect(failure?.error).toMatch(/FORBIDDEN/);

    w.advance(30_000); // within the first minute: PR a waits, PR b is read
    fake.addReviewThread(w.repo, b.number, { comments: [{ author: 'ana', body: 'Please add a test.' }] });
    await w.poller.cycle();
    expect(w.threadQueries(a.number)).toBe(1);
    expect(w.threadQueries(b.number)).toBe(2);
    expect(w.missions.map((m) => m.text)).toEqual([`/fix https://github.com/${w.repo}/pull/${b.number}`]);

    w.advance(31_000); // the minute is over: tried again, refused again, now two minutes
    await w.poller.cycle();
    expect(w.threadQueries(a.number)).toBe(2);
    expect([...w.poller.failingFollowUps().values()][0]).toMatchObject({ failures: 2, retryAt: 1_061_000 + 120_000 });

    w.advance(120_000); // answered now: no longer failing
    await w.poller.cycle();
    expect(w.threadQueries(a.number)).toBe(3);
    expect(w.poller.failingFollowUps().size).toBe(0);
    expect(w.record(a.number)?.ci).toBe('success');
  });

  it('a REST 404 on one PR’s check runs is that PR’s failure too', async () => {
    const w = world();
    const a = w.openPr('roshi/a');
    const b = w.openPr('roshi/b');
    fake.failNext({ method: 'GET', path: `/repos/${w.repo}/commits/${a.head.sha}/check-runs`, status: 404 });
    await w.poller.cycle();
    expect(w.record(b.number)?.ci).toBe('success');
    expect([...w.poller.failingFollowUps().keys()]).toHaveLength(1);
    expect(w.record(a.number)?.ci).not.toBe('success');
  });

  it('a GraphQL RATE_LIMITED is a rate limit: it ends the cycle and says when the quota resets', async () => {
    const w = world();
    const a = w.openPr('roshi/a');
    const reset = Math.floor(Date.now() / 1000) + 300;
    refuseThreads(a.number, [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }], {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': '5000',
      'x-ratelimit-resource': 'graphql',
    });
    const error = (await w.poller.cycle().catch((e: unknown) => e)) as GitHubError;
    expect(error).toBeInstanceOf(GitHubError);
    expect(isCycleFatal(error)).toBe(true);
    expect(error.rateLimited).toBe(true);
    expect(error.outage).toBe(false);
    expect(error.retryAfterMs).toBeGreaterThan(250_000);
    expect(w.poller.failingFollowUps().size).toBe(0); // not the PR's failure
  });
});

describe('64-bit review comment ids', () => {
  it('a resolved thread whose comment id is past 2^31 is not feedback; an unresolved one is, once', async () => {
    const w = world();
    const a = w.openPr('roshi/a');
    const big = 2 ** 31 + 12_345;
    fake.addReviewThread(w.repo, a.number, {
      isResolved: true,
      comments: [{ id: big, author: 'ana', body: 'Rename this variable.' }],
    });
    await w.poller.cycle();
    expect(w.missions).toHaveLength(0);

    fake.addReviewThread(w.repo, a.number, {
      comments: [{ id: big + 1, author: 'ana', body: 'And add a test.' }],
    });
    await w.poller.cycle();
    expect(w.missions).toHaveLength(1);
    expect(w.missions[0]?.context).toContain('And add a test.');
    expect(w.missions[0]?.context).not.toContain('Rename this variable.');
  });

  it('a server without fullDatabaseId (an older GitHub Enterprise Server) is asked with databaseId, once found out', async () => {
    const repo = 'acme/ghes';
    const pull = fake.addPull(repo, { head: { ref: 'roshi/old' } });
    const thread = fake.addReviewThread(repo, pull.number, { comments: [{ author: 'ana', body: 'Typo.' }] });
    const asksFull = (body: unknown) => /fullDatabaseId/.test(String((body as { query?: unknown }).query));
    fake.failNext({
      method: 'POST',
      path: '/graphql',
      status: 200,
      when: asksFull,
      body: {
        errors: [
          {
            path: [
              'query',
              'repository',
              'pullRequest',
              'reviewThreads',
              'nodes',
              'comments',
              'nodes',
              'fullDatabaseId',
            ],
            extensions: { code: 'undefinedField', typeName: 'PullRequestReviewComment', fieldName: 'fullDatabaseId' },
            locations: [{ line: 11, column: 21 }],
            message: "Field 'fullDatabaseId' doesn't exist on type 'PullRequestReviewComment'",
          },
        ],
      },
    });
    const github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retries: 0 });
    const from = fake.requestsTo('POST', '/graphql').length;
    for (let i = 0; i < 2; i++) {
      const { threads } = await github.reviewThreads(repo, pull.number);
      expect(threads[0]?.comments[0]?.id).toBe(thread.comments[0]?.id);
    }
    const asked = fake.requestsTo('POST', '/graphql').slice(from);
    expect(asked.map((r) => asksFull(r.body))).toEqual([true, false, false]);
  });
});
