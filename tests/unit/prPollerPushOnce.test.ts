// A push enters the CI queue at most once: mission events now reach the poller from a durable
// stream, which may hand the same `finished` event over again (a redelivery after a crash before
// the ack). That must not bring back a PR that has left the queue since; a new push does.
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../src/adapters/github/index.js';
import { silentLogger } from '../../src/log.js';
import { leaveQueue, MemoryTrackedPrStore } from '../../src/prPoller/ciQueue.js';
import { createAuthorizer } from '../../src/prPoller/permissions.js';
import { Poller } from '../../src/prPoller/poller.js';
import { pushedEvent } from '../harness/prMission.js';

const REPO = 'acme/app';
const URL = `https://github.com/${REPO}/pull/7`;

const finished = (id: string, at: number) => pushedEvent(id, URL, 'roshi/fix-x', at);

function poller() {
  let now = 1_000;
  const store = new MemoryTrackedPrStore();
  const github = {} as GitHubClient;
  const p = new Poller(
    {
      repos: [REPO],
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
      missions: { add: async () => 'duplicate' },
      notify: async () => undefined,
      logger: silentLogger(),
      clock: () => ++now,
    },
  );
  return { poller: p, record: () => p.trackedPrs().find((pr) => pr.number === 7) };
}

describe('a push enters the CI queue at most once', () => {
  it('the same finished event handed over again does not bring back a PR that left the queue', async () => {
    const { poller: p, record } = poller();
    const push = finished('m-1', 5_000);
    expect(await p.onMissionEvent(push)).toBe(true);
    expect(record()?.inCiQueue).toBe(true);
    await p.update(REPO, 7, (pr) => leaveQueue(pr, 6_000)); // CI went green: ✅, out of the queue

    expect(await p.onMissionEvent(push)).toBe(false);
    expect(record()?.inCiQueue).toBe(false);
  });

  it('a new push (another mission, or the same mission finishing again) enters it again', async () => {
    const { poller: p, record } = poller();
    expect(await p.onMissionEvent(finished('m-1', 5_000))).toBe(true);
    await p.update(REPO, 7, (pr) => leaveQueue(pr, 6_000));
    expect(await p.onMissionEvent(finished('m-2', 7_000))).toBe(true);
    expect(record()?.inCiQueue).toBe(true);
    await p.update(REPO, 7, (pr) => leaveQueue(pr, 8_000));
    expect(await p.onMissionEvent(finished('m-2', 9_000))).toBe(true);
    expect(record()?.inCiQueue).toBe(true);
  });
});
