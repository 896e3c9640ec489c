// Auto-merge against the fake GitHub: the grace period, resets, the fresh re-check before
// merging, the head sha guard, the repository check and ownership (a fork's `roshi/…` branch is
// never merged).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, type GitHubClient } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { formatGateMark } from '../../src/adapters/github/gateMark.js';
import { decideAutoMerge, mergePullRequest, type MergeCandidate } from '../../src/prPoller/autoMerge.js';
import { failingLogsForRebase, tailOfLog } from '../../src/prPoller/rebaseLogs.js';
import { startFakeGitHub, type FakeGitHub, type FakePull } from '../fakes/github.js';
import { installMentionRoutes, type MentionsFake } from '../fakes/githubMentions.js';

const REPO = 'acme/app';
const MIN = 60_000;
const SETTINGS = { enabled: true, graceMinutes: 10 };

let fake: FakeGitHub;
let gh: MentionsFake;
let github: GitHubClient;
let pull: FakePull;
/** What the poller's fresh look at CI and review threads would find. */
let live: { ci: MergeCandidate['ci']; unresolvedThreads: number; truncated?: boolean };
let rechecks: number;

beforeEach(async () => {
  fake = await startFakeGitHub();
  gh = await installMentionRoutes(fake);
  github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 5 });
  pull = fake.addPull(REPO, { number: 7, head: { ref: 'roshi/add-x-abc123', sha: 'a'.repeat(40) } });
  live = { ci: 'success', unresolvedThreads: 0 };
  rechecks = 0;
});

afterEach(async () => {
  await gh.stop();
  await fake.stop();
});

/** The tracked PR as the poller would hold it (from the fake's current state). */
function tracked(over: Partial<MergeCandidate> = {}): MergeCandidate {
  return {
    repo: REPO,
    number: pull.number,
    url: `https://github.com/${REPO}/pull/${pull.number}`,
    project: 'app',
    branch: pull.head.ref,
    headSha: pull.head.sha,
    state: pull.merged ? 'merged' : pull.state,
    ci: live.ci,
    failing: [],
    attempts: 0,
    maxAttempts: 5,
    unresolvedThreads: live.unresolvedThreads,
    handledFeedback: [],
    enteredAt: 0,
    updatedAt: 0,
    ...(live.truncated ? { truncated: true } : {}),
    ...over,
  };
}

/** A fresh look at GitHub, as the poller's recheck would do (PR from the API, CI from `live`). */
async function recheck(): Promise<MergeCandidate> {
  rechecks += 1;
  const head = await github.pullRequestHead(REPO, pull.number);
  return tracked({
    headSha: head.sha,
    branch: head.ref,
    headRepo: head.headRepo,
    state: head.state === 'open' ? 'open' : 'closed',
  });
}

const options = (over: Partial<Parameters<typeof mergePullRequest>[2]> = {}) => ({
  method: 'squash' as const,
  expectedRepo: REPO,
  branchPrefix: 'roshi',
  recheck,
  ...over,
});
const merges = () => fake.requestsTo('PUT', `/repos/${REPO}/pulls/7/merge`);

describe('auto-merge', () => {
  it('no merge before graceMinutes of green; after it, merged with the head sha guard', async () => {
    const t0 = Date.UTC(2025, 0, 1, 12);
    let pr = tracked();
    const polls: string[] = [];
    for (const t of [t0, t0 + 5 * MIN, t0 + 9 * MIN, t0 + 10 * MIN]) {
      const d = decideAutoMerge(pr, SETTINGS, t);
      polls.push(d.action);
      pr = { ...pr, ...(d.greenSince === undefined ? {} : { greenSince: d.greenSince }) };
      if (d.action === 'merge') {
        const result = await mergePullRequest(github, pr, options());
        expect(result).toMatchObject({ merged: true, outcome: 'merged', reset: false });
        expect(result.sha).toMatch(/^[0-9a-f]{40}$/);
      }
      expect(merges()).toHaveLength(d.action === 'merge' ? 1 : 0);
    }
    expect(polls).toEqual(['wait', 'wait', 'wait', 'merge']);
    expect(merges()[0]!.body).toEqual({ sha: 'a'.repeat(40), merge_method: 'squash' });
    expect(pull.merged).toBe(true);
    expect(rechecks).toBe(1);
  });

  it('a regression during the grace period resets it: the clock starts again when green again', () => {
    const t0 = Date.UTC(2025, 0, 1, 12);
    let greenSince: number | undefined;
    const step = (t: number, ci: MergeCandidate['ci'], threads = 0) => {
      const d = decideAutoMerge(
        tracked({ ci, unresolvedThreads: threads, ...(greenSince === undefined ? {} : { greenSince }) }),
        SETTINGS,
        t,
      );
      greenSince = d.greenSince;
      return d.action;
    };
    expect(step(t0, 'success')).toBe('wait');
    expect(step(t0 + 8 * MIN, 'pending')).toBe('reset');
    expect(step(t0 + 9 * MIN, 'success')).toBe('wait');
    expect(step(t0 + 12 * MIN, 'success')).toBe('wait'); // 3 min of green, not 12
    expect(step(t0 + 13 * MIN, 'success', 1)).toBe('reset'); // a new unresolved thread
    expect(step(t0 + 14 * MIN, 'success')).toBe('wait');
    expect(step(t0 + 24 * MIN, 'success')).toBe('merge');
  });

  it('turned red right before merging: the re-check stops it, no merge call', async () => {
    const pr = tracked({ greenSince: 0 });
    live.ci = 'failure';
    const result = await mergePullRequest(github, pr, options());
    expect(result).toMatchObject({ merged: false, outcome: 'not_green', reset: true });
    expect(result.reason).toMatch(/CI is failure/);
    expect(merges()).toHaveLength(0);
    expect(pull.merged).toBe(false);
  });

  it('a PR whose last gate was red is never merged; a passed gate does not stop it', async () => {
    pull.body = `Add x\n\n---\nMission \`m1\`.\n${formatGateMark({ gate: 'failed', mission: 'm1', commit: 'a'.repeat(12) })}`;
    const red = await mergePullRequest(github, tracked({ greenSince: 0 }), options());
    expect(red).toMatchObject({ merged: false, outcome: 'not_green', reset: true });
    expect(red.reason).toBe('re-check before merging: the last gate (mission m1) was failed');
    expect(merges()).toHaveLength(0);
    pull.body = `${pull.body}\n${formatGateMark({ gate: 'passed', mission: 'm2', commit: 'a'.repeat(12) })}`;
    expect(await mergePullRequest(github, tracked({ greenSince: 0 }), options())).toMatchObject({ merged: true });
  });

  it('a new unresolved thread or a truncated listing at re-check time: no merge', async () => {
    live.unresolvedThreads = 1;
    expect(await mergePullRequest(github, tracked({ unresolvedThreads: 0 }), options())).toMatchObject({
      outcome: 'not_green',
    });
    live.unresolvedThreads = 0;
    live.truncated = true;
    expect(await mergePullRequest(github, tracked({ truncated: false }), options())).toMatchObject({
      outcome: 'not_green',
    });
    expect(merges()).toHaveLength(0);
  });

  it('head pushed since it turned green: the re-check sees a new sha, no merge', async () => {
    const pr = tracked({ greenSince: 0 });
    pull.head.sha = 'b'.repeat(40);
    const result = await mergePullRequest(github, pr, options());
    expect(result).toMatchObject({ merged: false, outcome: 'head_changed', reset: true });
    expect(merges()).toHaveLength(0);
  });

  it("head pushed between the re-check and the merge: GitHub's sha guard (409) refuses, reported as head_changed", async () => {
    const pr = tracked({ greenSince: 0 });
    const result = await mergePullRequest(
      github,
      pr,
      options({
        recheck: async () => {
          const fresh = await recheck();
          pull.head.sha = 'c'.repeat(40); // a push lands right after our look
          return fresh;
        },
      }),
    );
    expect(result).toMatchObject({ merged: false, outcome: 'head_changed', reset: true });
    expect(result.reason).toMatch(/409 Head branch was modified/);
    expect(merges()).toHaveLength(1); // not retried
    expect(merges().every((r) => (r.body as { sha: string }).sha === 'a'.repeat(40))).toBe(true);
    expect(pull.merged).toBe(false);
  });

  it('a PR of another repository is refused before any call', async () => {
    const other = await mergePullRequest(
      github,
      tracked({ repo: 'evil/app', url: 'https://github.com/evil/app/pull/7' }),
      options(),
    );
    expect(other).toMatchObject({ merged: false, outcome: 'wrong_repo', reset: true });
    // Right repo name, but the URL points elsewhere: refused as well.
    const mismatched = await mergePullRequest(
      github,
      tracked({ url: 'https://github.com/evil/app/pull/7' }),
      options(),
    );
    expect(mismatched).toMatchObject({ outcome: 'wrong_repo' });
    expect(rechecks).toBe(0);
    expect(merges()).toHaveLength(0);
  });

  it("a PR that is not roshi's is refused; so is a PR that is no longer open", async () => {
    expect(await mergePullRequest(github, tracked({ branch: 'feature/x' }), options())).toMatchObject({
      outcome: 'not_own',
    });
    expect(rechecks).toBe(0);
    pull.state = 'closed';
    expect(await mergePullRequest(github, tracked({ state: 'open' }), options())).toMatchObject({
      outcome: 'not_green',
      reason: expect.stringMatching(/closed/),
    });
    expect(merges()).toHaveLength(0);
  });

  it('a fork PR with a roshi/ branch is never merged, whatever the record says', async () => {
    pull.head.owner = 'stranger'; // head repository stranger/app: a fork
    // the record does not know the head repository (older record): the fresh re-check decides
    const unknown = await mergePullRequest(github, tracked(), options());
    expect(unknown).toMatchObject({
      merged: false,
      outcome: 'not_own',
      reset: true,
      reason: expect.stringMatching(/stranger\/app is neither acme\/app nor listed in prPoller.ownForks/),
    });
    expect(rechecks).toBe(1);
    // the record knows it: refused before any call
    const known = await mergePullRequest(github, tracked({ headRepo: 'stranger/app' }), options());
    expect(known).toMatchObject({ outcome: 'not_own' });
    expect(rechecks).toBe(1);
    // a record claiming the own repository does not help: the fresh look says fork
    expect(await mergePullRequest(github, tracked({ headRepo: REPO }), options())).toMatchObject({
      outcome: 'not_own',
    });
    expect(merges()).toHaveLength(0);
    // the fork listed in ownForks is roshi's own
    expect(
      await mergePullRequest(github, tracked({ headRepo: 'stranger/app' }), options({ ownForks: ['stranger/app'] })),
    ).toMatchObject({ merged: true, outcome: 'merged' });
  });

  it('a failing re-check or merge call is a reset, never a throw', async () => {
    const failed = await mergePullRequest(
      github,
      tracked(),
      options({ recheck: () => Promise.reject(new Error('GitHub down')) }),
    );
    expect(failed).toMatchObject({
      merged: false,
      outcome: 'recheck_failed',
      reset: true,
      reason: expect.stringMatching(/GitHub down/),
    });
    fake.failNext({
      method: 'PUT',
      path: '/repos/:owner/:repo/pulls/:number/merge',
      status: 405,
      body: { message: 'Required status check "build" is expected.' },
    });
    const refused = await mergePullRequest(github, tracked(), options());
    expect(refused).toMatchObject({
      merged: false,
      outcome: 'merge_failed',
      reset: true,
      reason: expect.stringMatching(/405 Required status check/),
    });
  });
});

// Rebase logs live here because they share this file's fixture (an own PR on the fake GitHub).
describe('failing logs for a /rebase', () => {
  const SHA = 'a'.repeat(40);
  const log = (lines: number, prefix: string) =>
    Array.from(
      { length: lines },
      (_, i) =>
        `2025-01-01T12:00:${String(i % 60).padStart(2, '0')}.1234567Z \u001b[31m${prefix} line ${i + 1}\u001b[0m`,
    ).join('\n') + '\n\n';

  /** A completed run number `runNumber` of workflow 1 ("CI") on SHA. */
  const addCiRun = (runNumber: number, conclusion: string, jobs: Parameters<MentionsFake['addRun']>[1]['jobs']) =>
    gh.addRun(REPO, { name: 'CI', workflowId: 1, runNumber, headSha: SHA, status: 'completed', conclusion, jobs });

  it('no runs, or the latest run of every workflow green: undefined', async () => {
    expect(await failingLogsForRebase(github, REPO, 7, 20)).toBeUndefined();
    addCiRun(1, 'failure', [{ name: 'test', status: 'completed', conclusion: 'failure', log: log(5, 'old') }]);
    addCiRun(2, 'success', [{ name: 'test', status: 'completed', conclusion: 'success' }]);
    gh.addRun(REPO, {
      name: 'Docs',
      workflowId: 2,
      runNumber: 9,
      headSha: SHA,
      status: 'completed',
      conclusion: 'skipped',
      jobs: [],
    });
    gh.addRun(REPO, {
      name: 'Lint',
      workflowId: 3,
      runNumber: 4,
      headSha: SHA,
      status: 'completed',
      conclusion: 'cancelled',
      jobs: [],
    });
    gh.addRun(REPO, {
      name: 'Slow',
      workflowId: 4,
      runNumber: 4,
      headSha: SHA,
      status: 'in_progress',
      conclusion: null,
      jobs: [],
    });
    // A failing run of another commit does not count.
    gh.addRun(REPO, {
      name: 'CI',
      workflowId: 1,
      runNumber: 3,
      headSha: 'f'.repeat(40),
      status: 'completed',
      conclusion: 'failure',
      jobs: [],
    });
    expect(await failingLogsForRebase(github, REPO, 7, 20)).toBeUndefined();
    expect(fake.requestsTo('GET', `/repos/${REPO}/actions/jobs`)).toHaveLength(0);
  });

  it("the latest run failed: the failing jobs' log tails, cleaned, in untrusted blocks, with a note that they predate the rebase", async () => {
    addCiRun(1, 'success', []);
    addCiRun(2, 'failure', [
      { name: 'test', status: 'completed', conclusion: 'failure', log: log(200, 'test') },
      { name: 'lint', status: 'completed', conclusion: 'success', log: log(3, 'lint') },
      { name: 'e2e', status: 'completed', conclusion: 'timed_out' }, // its log has expired
    ]);
    const text = await failingLogsForRebase(github, REPO, 7, 20);
    expect(text).toBeDefined();
    expect(text).toMatch(/CI was failing on this pull request before the rebase \(head aaaaaaa\)/);
    expect(text).toMatch(/predate the rebase/);
    expect(text).toContain('### CI › test — failure');
    expect(text).toContain('test line 200');
    expect(text).toContain('test line 181');
    // the tail is data: inside one untrusted block naming the job
    expect(text).toMatch(
      /<<<UNTRUSTED-INPUT id=([0-9a-f]{16}) source="CI log of CI › test"[^\n]*>>>\n.*\n[^<]*test line 181[^<]*test line 200\n<<<END-UNTRUSTED-INPUT id=\1>>>/,
    );
    expect(text).not.toContain('test line 180');
    expect(text).not.toMatch(/\u001b|2025-01-01T12/); // colours and timestamps stripped
    expect(text).not.toContain('lint line');
    expect(text).toMatch(/### CI › e2e — timed_out[\s\S]*log unavailable: .*410/);
    // The log came from the storage server, and our token did not travel there.
    expect(gh.blobRequests).toHaveLength(1);
    expect(gh.blobRequests[0]!.authorization).toBe(false);
  });

  it('tailOfLog keeps the last lines without trailing blanks', () => {
    expect(tailOfLog('a\nb\r\nc\n\n\n', 2)).toBe('b\nc');
    expect(tailOfLog('2024-05-01T10:00:00.0000000Z hello', 5)).toBe('hello');
  });
});
