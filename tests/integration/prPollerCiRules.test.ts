// The CI rules of issue 15 through the real adapter and poller against the fake GitHub (HTTP):
// the base branch's required checks read from branch protection and rulesets (GitHub's answer
// shapes; 404 "Branch not protected" as in @octokit/fixtures' branch-protection scenario), a
// re-triggered workflow counted by its newest run, a followed PR waiting for approval read again
// every cycle, an unnamed workflow named by its id, ANSI colours gone from the /ci_check log
// tail. The verdict's rules row by row: ciVerdict.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHub, EtagCache, requiredStatusChecks } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { MemoryTrackedPrStore } from '../../src/prPoller/ciQueue.js';
import { createAuthorizer } from '../../src/prPoller/permissions.js';
import { Poller } from '../../src/prPoller/poller.js';
import { pushedEvent } from '../harness/prMission.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';

let fake: FakeGitHub;
/** Per `owner/repo|branch`: protection's required contexts (absent → 404), the rulesets' (absent → []), or 403. */
const protection = new Map<string, string[] | 403>();
const rulesets = new Map<string, string[]>();

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/branches/:branch/protection/required_status_checks',
    handler: ({ params }) => {
      const found = protection.get(`${params.owner}/${params.repo}|${params.branch}`);
      if (found === 403) return { status: 403, body: { message: 'Resource not accessible by integration' } };
      if (found === undefined) return { status: 404, body: { message: 'Branch not protected' } };
      return {
        status: 200,
        body: {
          url: `${fake.url}/repos/${params.owner}/${params.repo}/branches/${params.branch}/protection/required_status_checks`,
          strict: true,
          contexts: found,
          checks: found.map((context) => ({ context, app_id: null })),
        },
      };
    },
  });
  fake.addRoute({
    method: 'GET',
    path: '/repos/:owner/:repo/rules/branches/:branch',
    handler: ({ params }) => {
      const checks = rulesets.get(`${params.owner}/${params.repo}|${params.branch}`) ?? [];
      return {
        status: 200,
        body:
          checks.length === 0
            ? []
            : [
                {
                  type: 'required_status_checks',
                  ruleset_source_type: 'Repository',
                  ruleset_source: `${params.owner}/${params.repo}`,
                  ruleset_id: 42,
                  parameters: {
                    strict_required_status_checks_policy: false,
                    required_status_checks: checks.map((context) => ({ context })),
                  },
                },
              ],
      };
    },
  });
});

afterAll(async () => {
  await fake?.stop();
});

let counter = 0;
function world() {
  const repo = `acme/rules${++counter}`;
  const github = createGitHub({
    apiUrl: fake.url,
    token: fake.token,
    logger: silentLogger(),
    etagCache: new EtagCache(),
    retries: 0,
    maxRateLimitRetries: 0,
    retryAfterBaseMs: 1,
  });
  const notes: string[] = [];
  const missions: Array<{ text: string; context: string }> = [];
  const store = new MemoryTrackedPrStore();
  const poller = new Poller(
    {
      repos: [repo],
      branchPrefix: 'roshi',
      botLogin: 'roshi-bot',
      maxAttempts: 3,
      logTailLines: 5,
      settleMs: 0,
      projectFor: () => 'app',
    },
    {
      github,
      authorizer: createAuthorizer(github, { authorizedUsers: [] }),
      store,
      missions: {
        add: async (input) => {
          missions.push(input);
          return { id: `m${missions.length}` };
        },
      },
      notify: async (text) => void notes.push(text),
      logger: silentLogger(),
    },
  );
  let n = 0;
  const openPr = () => {
    const sha = `${counter}${++n}`.padEnd(40, 'c');
    const pull = fake.addPull(repo, { head: { ref: `roshi/change-${n}`, sha } });
    return {
      number: pull.number,
      url: `https://github.com/${repo}/pull/${pull.number}`,
      sha,
      branch: `roshi/change-${n}`,
    };
  };
  const pushed = async (pr: ReturnType<typeof openPr>) =>
    expect(await poller.onMissionEvent(pushedEvent(`m-${repo}-${pr.number}`, pr.url, pr.branch))).toBe(true);
  const tracked = (number: number) => poller.trackedPrs().find((p) => p.number === number);
  return { repo, github, poller, notes, missions, openPr, pushed, tracked };
}

describe('required checks of the base branch', () => {
  it('come from protection and rulesets together; not readable anywhere → undefined', async () => {
    const w = world();
    // not protected (404), no ruleset: readable, nothing required
    expect(await requiredStatusChecks(w.github, w.repo, 'main')).toEqual([]);
    protection.set(`${w.repo}|main`, ['test']);
    rulesets.set(`${w.repo}|main`, ['ci/legacy', 'test']);
    expect(await requiredStatusChecks(w.github, w.repo, 'main')).toEqual(['ci/legacy', 'test']);
    // a token that may read neither (403 on protection, 404 on rulesets of a hidden repository)
    protection.set(`${w.repo}|release`, 403);
    fake.failNext({
      method: 'GET',
      path: `/repos/${w.repo}/rules/branches/release`,
      status: 404,
      body: { message: 'Not Found' },
    });
    expect(await requiredStatusChecks(w.github, w.repo, 'release')).toBeUndefined();
  });

  it('decide over optional ones: an optional failure leaves the PR green (✅, no /ci_check)', async () => {
    const w = world();
    protection.set(`${w.repo}|main`, ['unit']);
    const pr = w.openPr();
    await w.pushed(pr);
    fake.setCheckRuns(w.repo, pr.sha, [
      { name: 'unit', conclusion: 'success' },
      { name: 'flaky-e2e', conclusion: 'failure' },
    ]);
    await w.poller.cycle();
    expect(w.tracked(pr.number)).toMatchObject({ ci: 'success', inCiQueue: false });
    expect(w.notes).toEqual([expect.stringMatching(/^✅ CI passed/)]);
    expect(w.missions).toEqual([]);
  });

  it('a required check that has not reported keeps the PR pending, however green the rest', async () => {
    const w = world();
    rulesets.set(`${w.repo}|main`, ['build']);
    const pr = w.openPr();
    await w.pushed(pr);
    fake.setCheckRuns(w.repo, pr.sha, [{ name: 'unit', conclusion: 'success' }]);
    const result = await w.poller.cycle();
    expect(w.tracked(pr.number)).toMatchObject({ ci: 'pending', inCiQueue: true });
    expect(result.fast).toBe(true);
    expect(w.notes).toEqual([]);
  });
});

describe('a workflow re-triggered on the same commit', () => {
  it('counts by its newest run: an old red run and its jobs no longer make a green PR red', async () => {
    const w = world();
    const pr = w.openPr();
    await w.pushed(pr);
    const ci = { workflowId: 2823525, path: '.github/workflows/ci.yml' };
    fake.setWorkflowRuns(w.repo, pr.sha, [
      { id: 8001, name: 'CI', ...ci, runNumber: 163, checkSuiteId: 11, conclusion: 'failure' },
      { id: 8002, name: 'CI', ...ci, runNumber: 164, checkSuiteId: 12, conclusion: 'success' },
    ]);
    fake.setCheckRuns(w.repo, pr.sha, [
      { id: 8101, name: 'test', checkSuiteId: 11, conclusion: 'failure' },
      { id: 8102, name: 'lint', checkSuiteId: 11, conclusion: 'success' },
      { id: 8201, name: 'test', checkSuiteId: 12, conclusion: 'success' },
      { id: 8202, name: 'lint', checkSuiteId: 12, conclusion: 'success' },
    ]);
    await w.poller.cycle();
    expect(w.tracked(pr.number)).toMatchObject({ ci: 'success', inCiQueue: false });
    expect(w.notes).toEqual([expect.stringMatching(/^✅ CI passed/)]);
    expect(w.missions).toEqual([]);
  });
});

describe('a run waiting for approval', () => {
  it('on a followed PR outside the queue is read again every cycle, and its approval followed', async () => {
    const w = world();
    const pr = w.openPr(); // followed (own branch), never pushed by roshi: not in the queue
    fake.setWorkflowRuns(w.repo, pr.sha, [{ id: 7001, name: '', conclusion: 'action_required' }]);
    await w.poller.cycle();
    expect(w.tracked(pr.number)).toMatchObject({ ci: 'blocked_approval' });
    fake.setWorkflowRuns(w.repo, pr.sha, [{ id: 7001, name: '', conclusion: 'success' }]);
    await w.poller.cycle();
    const after = w.tracked(pr.number);
    expect(after).toMatchObject({ ci: 'success' });
    expect(after?.greenSince).toBeGreaterThan(0); // what auto-merge counts from
  });

  it('of an unnamed workflow is named by the run, never "waits for approval ()"', async () => {
    const w = world();
    const pr = w.openPr();
    await w.pushed(pr);
    fake.setWorkflowRuns(w.repo, pr.sha, [{ id: 7002, name: '', conclusion: 'action_required' }]);
    await w.poller.cycle();
    expect(w.notes).toEqual([expect.stringMatching(/^✋ CI of .* waits for approval \(workflow run 7002\)/)]);
  });
});

describe('/ci_check log tails', () => {
  it('carry no ANSI colour codes', async () => {
    const w = world();
    const pr = w.openPr();
    await w.pushed(pr);
    const [job] = fake.setCheckRuns(w.repo, pr.sha, [{ name: 'unit', conclusion: 'failure' }]);
    fake.setJobLog(
      w.repo,
      job!.id,
      '2024-05-01T10:00:00.0000000Z \x1b[36;1mnpm test\x1b[0m\n2024-05-01T10:00:01.0000000Z \x1b[31mFAIL\x1b[39m src/a.test.ts\n',
    );
    await w.poller.cycle();
    expect(w.missions).toHaveLength(1);
    expect(w.missions[0]?.context).toContain('npm test\nFAIL src/a.test.ts');
    expect(w.missions[0]?.context).not.toContain('\x1b');
  });
});
