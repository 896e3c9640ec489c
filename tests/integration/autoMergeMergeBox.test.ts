// Auto-merge asks GitHub's merge box before merging (mergeable_state, draft, required reviews)
// and remembers GitHub's refusals per head commit, against the fake GitHub with GitHub's shapes:
// PR fields as in @octokit/webhooks-examples' pull_request payloads, branch protection from
// @octokit/fixtures (branch-protection), reviews and rulesets as in the OpenAPI description.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { greenPr } from '../harness/greenPr.js';
import { createGitHub, type GitHubClient } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { mergePullRequest, type MergeCandidate, type MergeRefusal } from '../../src/prPoller/autoMerge.js';
import { startFakeGitHub, type FakeGitHub, type FakePull } from '../fakes/github.js';
import { installMentionRoutes, type MentionsFake } from '../fakes/githubMentions.js';
import { installMergeRuleRoutes, type MergeRulesFake } from '../fakes/githubMergeRules.js';

const REPO = 'acme/app';
const SHA = 'a'.repeat(40);

let fake: FakeGitHub;
let gh: MentionsFake;
let rules: MergeRulesFake;
let github: GitHubClient;
let pull: FakePull;
let refusals: Map<string, MergeRefusal>;

beforeEach(async () => {
  fake = await startFakeGitHub();
  gh = await installMentionRoutes(fake);
  rules = installMergeRuleRoutes(fake);
  github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 5 });
  pull = fake.addPull(REPO, { number: 7, head: { ref: 'roshi/add-x-abc123', sha: SHA } });
  refusals = new Map();
});

afterEach(async () => {
  await gh.stop();
  await fake.stop();
});

const tracked = (): MergeCandidate => greenPr({ repo: REPO, branch: pull.head.ref, headSha: SHA, greenSince: 0 });

/** One merge attempt as the duty makes it: a fresh look (here: the PR's head from GitHub), the same refusal memory. */
const attempt = () =>
  mergePullRequest(github, tracked(), {
    method: 'squash',
    expectedRepo: REPO,
    branchPrefix: 'roshi',
    recheck: async () => ({ ...tracked(), headSha: pull.head.sha, headRepo: REPO }),
    refusals,
    unknownRetryMs: 0,
  });
const merges = () => fake.requestsTo('PUT', `/repos/${REPO}/pulls/7/merge`);

describe("auto-merge asks GitHub's merge box first", () => {
  it('a draft waits, also when mergeable_state still says clean (as a converted_to_draft payload does)', async () => {
    pull.draft = true; // mergeable_state 'draft', as GET /pulls/{n} answers for a draft
    expect(await attempt()).toMatchObject({ merged: false, outcome: 'waiting', wait: 'it is a draft', reset: true });
    pull.mergeableState = 'clean';
    expect(await attempt()).toMatchObject({ outcome: 'waiting', wait: 'it is a draft' });
    expect(merges()).toHaveLength(0);
    expect(pull.merged).toBe(false);
  });

  it('behind the base branch or in conflict with it: waits, says why', async () => {
    pull.mergeableState = 'behind';
    expect(await attempt()).toMatchObject({ outcome: 'waiting', wait: 'the branch is behind main' });
    pull.mergeableState = 'dirty';
    expect(await attempt()).toMatchObject({ outcome: 'waiting', wait: 'it has merge conflicts with main' });
    expect(merges()).toHaveLength(0);
  });

  it('blocked for a required approving review (branch protection): waits until approved, then merges', async () => {
    pull.mergeableState = 'blocked';
    rules.protect(REPO, 'main', { approvals: 1 });
    rules.review(REPO, 7, 'carol', 'COMMENTED'); // a comment is no approval
    expect(await attempt()).toMatchObject({ outcome: 'waiting', wait: '1 approving review required' });
    rules.review(REPO, 7, 'carol', 'APPROVED');
    pull.mergeableState = 'clean'; // GitHub's merge box after the approval
    expect(await attempt()).toMatchObject({ merged: true, outcome: 'merged' });
    expect(merges()).toHaveLength(1);
  });

  it('protection not readable: the ruleset says how many reviews; changes requested are named', async () => {
    pull.mergeableState = 'blocked';
    rules.protect(REPO, 'main', 'forbidden');
    rules.ruleset(REPO, 'main', 2);
    rules.review(REPO, 7, 'carol', 'APPROVED');
    expect(await attempt()).toMatchObject({ wait: '2 approving reviews required, 1 given' });
    rules.review(REPO, 7, 'dave', 'APPROVED');
    rules.review(REPO, 7, 'dave', 'CHANGES_REQUESTED'); // dave's latest review decides
    expect(await attempt()).toMatchObject({ wait: 'changes requested by dave' });
    expect(merges()).toHaveLength(0);
  });

  it('blocked for a reason it cannot read: waits with a general reason, no merge call', async () => {
    pull.mergeableState = 'blocked';
    expect(await attempt()).toMatchObject({
      outcome: 'waiting',
      wait: 'GitHub blocks the merge (branch protection or rulesets)',
    });
    expect(merges()).toHaveLength(0);
  });

  it('still computing (mergeable null, unknown): looked at once more, waits without a chat line', async () => {
    pull.mergeableState = 'unknown';
    const result = await attempt();
    expect(result).toMatchObject({ outcome: 'waiting' });
    expect(result.wait).toBeUndefined();
    expect(fake.requestsTo('GET', `/repos/${REPO}/pulls/7`)).toHaveLength(2);
    expect(merges()).toHaveLength(0);
  });
});

describe("GitHub's refusals are remembered per head commit", () => {
  const refuse = (status: number, message: string) =>
    fake.failNext({
      method: 'PUT',
      path: '/repos/:owner/:repo/pulls/:number/merge',
      status,
      body: {
        message,
        documentation_url: 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request',
        status: String(status),
      },
    });

  it('405: not asked again for the same head and merge box; asked again after a push', async () => {
    refuse(405, 'At least 1 approving review is required by reviewers with write access.');
    const first = await attempt();
    expect(first).toMatchObject({
      outcome: 'merge_failed',
      wait: expect.stringMatching(/^GitHub refused the merge: 405 At least 1 approving review/),
    });
    expect(await attempt()).toMatchObject({
      outcome: 'refused_before',
      reason: expect.stringMatching(/approving review/),
    });
    expect(await attempt()).toMatchObject({ outcome: 'refused_before' });
    expect(merges()).toHaveLength(1);
    pull.head.sha = 'b'.repeat(40); // a new head: GitHub may answer differently
    const next = await mergePullRequest(
      github,
      { ...tracked(), headSha: pull.head.sha },
      {
        method: 'squash',
        expectedRepo: REPO,
        branchPrefix: 'roshi',
        recheck: async () => ({ ...tracked(), headSha: pull.head.sha, headRepo: REPO }),
        refusals,
      },
    );
    expect(next).toMatchObject({ merged: true });
    expect(merges()).toHaveLength(2);
  });

  it('422: remembered; a merge box that moved (blocked → clean) is worth one more try', async () => {
    refuse(422, 'Base branch was modified. Review and try the merge again.');
    expect(await attempt()).toMatchObject({
      outcome: 'merge_failed',
      wait: expect.stringMatching(/^GitHub refused the merge: 422 Base branch was modified/),
    });
    expect(await attempt()).toMatchObject({ outcome: 'refused_before' });
    pull.mergeableState = 'blocked';
    expect(await attempt()).toMatchObject({ outcome: 'waiting' });
    pull.mergeableState = undefined; // clean again
    expect(await attempt()).toMatchObject({ outcome: 'refused_before' }); // same box as when refused
    pull.mergeableState = 'unstable'; // a non-required check failed: mergeable, and a new box
    expect(await attempt()).toMatchObject({ merged: true });
    expect(merges()).toHaveLength(2);
  });

  it('409 (head moved under the sha guard): remembered for that head', async () => {
    refuse(409, 'Head branch was modified. Review and try the merge again.');
    expect(await attempt()).toMatchObject({ outcome: 'head_changed' });
    expect(await attempt()).toMatchObject({ outcome: 'refused_before' });
    expect(merges()).toHaveLength(1);
  });

  it('a 502 is no refusal: asked again next time', async () => {
    refuse(502, 'Server Error');
    const failed = await attempt();
    expect(failed).toMatchObject({ outcome: 'merge_failed' });
    expect(failed.wait).toBeUndefined();
    expect(await attempt()).toMatchObject({ merged: true });
  });
});
