// GitHub's X-Poll-Interval on GET /notifications is honoured: with the poller's 30 s cadence and
// GitHub's 60 s interval, notifications are asked for every other cycle, never sooner.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHub, type GitHubClient } from '../../src/adapters/github/index.js';
import { listParticipatingNotifications } from '../../src/adapters/github/issues.js';
import { silentLogger } from '../../src/log.js';
import {
  createMentionMemory,
  pollMentionsWhenDue,
  type MentionContext,
  type NotificationPace,
} from '../../src/prPoller/mentions.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { installMentionRoutes, type MentionsFake } from '../fakes/githubMentions.js';

const REPO = 'acme/app';
const BOT = 'roshi-bot';
const S = 1_000;

let fake: FakeGitHub;
let gh: MentionsFake;
let github: GitHubClient;
let clock: number;
let missions: string[];
let pace: NotificationPace;
let since: string | undefined;

beforeEach(async () => {
  fake = await startFakeGitHub({ login: BOT });
  gh = await installMentionRoutes(fake, { login: BOT });
  github = createGitHub({ apiUrl: fake.url, token: fake.token, logger: silentLogger(), retryAfterBaseMs: 5 });
  gh.setRole(REPO, 'alice', 'write');
  clock = Date.now();
  missions = [];
  pace = { notBefore: 0 };
  since = undefined;
});

afterEach(async () => {
  await gh.stop();
  await fake.stop();
});

const memory = createMentionMemory();
const ctx = (): MentionContext => ({
  github,
  repos: [REPO],
  botLogin: BOT,
  authorizedUsers: [],
  branchPrefix: 'roshi',
  since,
  addMission: async (text) => {
    missions.push(text);
    return { id: `m${missions.length}` };
  },
  notify: async () => {},
  reportedRepos: new Set(),
  logger: silentLogger(),
  now: () => clock,
  memory,
});

/** One poller cycle at `clock`, as the mentions duty runs it. */
async function cycle(): Promise<boolean> {
  const result = await pollMentionsWhenDue(ctx(), pace);
  if (result) since = result.since;
  return result !== undefined;
}
const notificationPolls = () => fake.requestsTo('GET', '/notifications').length;

describe('X-Poll-Interval on notifications', () => {
  it("the adapter reads GitHub's header (seconds) as milliseconds", async () => {
    expect((await listParticipatingNotifications(github, '2025-01-01T00:00:00Z')).pollIntervalMs).toBe(60 * S);
    gh.setPollInterval(undefined);
    expect((await listParticipatingNotifications(github, '2025-01-01T00:00:00Z')).pollIntervalMs).toBeUndefined();
  });

  it('cycles every 30 s poll notifications every 60 s; a command waits for the next allowed poll', async () => {
    const polled: boolean[] = [];
    for (let i = 0; i < 5; i += 1) {
      if (i === 1) {
        gh.addThread(REPO, 3, { title: 'Dark mode' });
        gh.addComment(REPO, 3, { login: 'alice', body: `@${BOT} implement` });
      }
      polled.push(await cycle());
      if (i === 1) expect(missions).toHaveLength(0); // GitHub asked us to wait
      clock += 30 * S;
    }
    expect(polled).toEqual([true, false, true, false, true]);
    expect(notificationPolls()).toBe(3);
    expect(missions).toEqual(['/implement https://github.com/acme/app/issues/3']);
  });

  it('a longer interval GitHub sends (under load) is honoured too; without the header every cycle polls', async () => {
    gh.setPollInterval(120);
    const polled: boolean[] = [];
    for (let i = 0; i < 5; i += 1) {
      polled.push(await cycle());
      clock += 30 * S;
    }
    expect(polled).toEqual([true, false, false, false, true]);
    gh.setPollInterval(undefined);
    clock += 90 * S; // the last 120 s have passed
    for (let i = 0; i < 3; i += 1) {
      await cycle();
      clock += 30 * S;
    }
    expect(notificationPolls()).toBe(2 + 3);
  });
});
