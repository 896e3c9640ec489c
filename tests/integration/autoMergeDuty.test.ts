// The pr-poller's auto-merge duty against the fake GitHub: why a merge waits is said in chat
// once per PR and reason, and a merge GitHub refused is not asked for again poll after poll.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { greenPr } from '../harness/greenPr.js';
import { autoMergeDuty } from '../../src/actors/prPollerAutoMerge.js';
import type { DutyInput } from '../../src/actors/prPollerDutyInput.js';
import { createGitHub, type GitHubClient } from '../../src/adapters/github/index.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log.js';
import type { TrackedPr } from '../../src/prPoller/types.js';
import { startFakeGitHub, type FakeGitHub, type FakePull } from '../fakes/github.js';
import { installMentionRoutes, type MentionsFake } from '../fakes/githubMentions.js';
import { installMergeRuleRoutes, type MergeRulesFake } from '../fakes/githubMergeRules.js';

const REPO = 'acme/app';
const URL_7 = `https://github.com/${REPO}/pull/7`;

let fake: FakeGitHub;
let gh: MentionsFake;
let rules: MergeRulesFake;
let github: GitHubClient;
let pull: FakePull;
let record: TrackedPr;
let said: Array<{ text: string; id: string }>;
let poll: () => Promise<void>;

beforeEach(async () => {
  fake = await startFakeGitHub();
  gh = await installMentionRoutes(fake);
  rules = installMergeRuleRoutes(fake);
  github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 5 });
  pull = fake.addPull(REPO, { number: 7, head: { ref: 'roshi/add-x-abc123', sha: 'a'.repeat(40) } });
  record = greenPr({ repo: REPO, url: URL_7, branch: pull.head.ref, headRepo: REPO, headSha: pull.head.sha });
  said = [];
  const { config } = loadConfig({
    env: {},
    overrides: { autoMerge: { enabled: true, graceMinutes: 0 }, prPoller: { repos: [REPO] } },
  });
  // The poller as the duty sees it: its record of PR 7, and a fresh look at GitHub for the re-check.
  const poller = {
    trackedPrs: () => (record.state === 'open' ? [record] : []),
    update: async (_repo: string, _n: number, change: (pr: TrackedPr) => TrackedPr) => {
      record = change(record);
    },
    recheck: async (pr: TrackedPr) => {
      const head = await github.pullRequestHead(REPO, 7);
      return { ...pr, headSha: head.sha, headRepo: head.headRepo, branch: head.ref };
    },
  };
  poll = autoMergeDuty({
    config,
    github,
    poller,
    notify: async (text: string, id: string) => void said.push({ text, id }),
    logger: silentLogger(),
  } as unknown as DutyInput);
});

afterEach(async () => {
  await gh.stop();
  await fake.stop();
});

const merges = () => fake.requestsTo('PUT', `/repos/${REPO}/pulls/7/merge`);

describe('auto-merge duty', () => {
  it('says once per reason why it waits: a draft, then a missing approving review; merges when GitHub allows', async () => {
    pull.draft = true;
    for (let i = 0; i < 3; i += 1) await poll();
    expect(said.map((s) => s.text)).toEqual([`⏸️ auto-merge of ${URL_7} waits: it is a draft`]);
    pull.draft = false;
    pull.mergeableState = 'blocked';
    rules.protect(REPO, 'main', { approvals: 1 });
    for (let i = 0; i < 3; i += 1) await poll();
    expect(said.map((s) => s.text)).toEqual([
      `⏸️ auto-merge of ${URL_7} waits: it is a draft`,
      `⏸️ auto-merge of ${URL_7} waits: 1 approving review required`,
    ]);
    expect(new Set(said.map((s) => s.id)).size).toBe(2);
    expect(merges()).toHaveLength(0);
    rules.review(REPO, 7, 'carol', 'APPROVED');
    pull.mergeableState = undefined;
    await poll();
    expect(merges()).toHaveLength(1);
    expect(pull.merged).toBe(true);
    expect(said.at(-1)?.text).toMatch(/^🔀 auto-merged https:\/\/github.com\/acme\/app\/pull\/7 \(squash\)/);
  });

  it('a refused merge is asked for once per head commit, and said once', async () => {
    fake.failNext({
      method: 'PUT',
      path: '/repos/:owner/:repo/pulls/:number/merge',
      status: 405,
      body: { message: 'Pull Request is not mergeable', status: '405' },
    });
    for (let i = 0; i < 4; i += 1) await poll();
    expect(merges()).toHaveLength(1);
    expect(said.map((s) => s.text)).toEqual([
      `⏸️ auto-merge of ${URL_7} waits: GitHub refused the merge: 405 Pull Request is not mergeable`,
    ]);
    // A new push is a new question.
    pull.head.sha = 'b'.repeat(40);
    record = { ...record, headSha: pull.head.sha };
    await poll();
    expect(merges()).toHaveLength(2);
    expect(pull.merged).toBe(true);
  });
});
