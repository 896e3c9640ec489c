// Entering the CI queue is durable: the pr-poller actor (its real wiring, against the fake GitHub
// and a real nats-server) is stopped, a mission finishes with a PR's URL meanwhile, and the
// poller started afterwards puts that PR in the CI queue. The same push handed over twice (a
// redelivery) does not bring a PR that has left the queue back into it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { prPollerKind } from '../../src/actors/prPoller.js';
import { Bus, ensureOutbox, JsonKv } from '../../src/bus/index.js';
import { loadConfig } from '../../src/config/index.js';
import { pushedEvent } from '../harness/prMission.js';
import { silentLogger } from '../../src/log.js';
import { isTrackedPr } from '../../src/prPoller/ciQueue.js';
import { ciQueueKey, type TrackedPr } from '../../src/prPoller/types.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/github.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
const TOKEN_ENV = 'ROSHI_TEST_DURABLE_ENTRY_TOKEN';
const PREFIX = 'durable';
const REPO = 'acme/durable';
let fake: FakeGitHub;
let bus: Bus;
let kv: JsonKv;

beforeAll(async () => {
  fake = await startFakeGitHub();
  process.env[TOKEN_ENV] = fake.token;
  bus = await Bus.connect({ url: nats.url, name: 'test-durable-entry', prefix: PREFIX, logger: silentLogger() });
  await ensureOutbox(bus);
  kv = await JsonKv.open(bus, bus.subjects.stateBucket);
});

afterAll(async () => {
  delete process.env[TOKEN_ENV];
  await bus?.drain();
  await fake?.stop();
});

interface RunningPoller {
  stop: () => Promise<void>;
}

/** The pr-poller actor as its host runs it (create, machine, start), minus the process. */
async function startPoller(): Promise<RunningPoller> {
  const { config } = loadConfig({
    env: {},
    overrides: {
      prefix: PREFIX,
      github: { apiUrl: fake.url, tokenEnv: TOKEN_ENV },
      prPoller: { repos: [REPO], fastInterval: '1s', idleInterval: '2s' },
    },
  });
  const parts = await prPollerKind.create({
    name: 'pr-poller',
    config,
    bus,
    logger: silentLogger(),
  });
  const actor: AnyActorRef = createActor(parts.machine, { input: parts.input });
  actor.start();
  await parts.start?.(actor);
  return {
    stop: async () => {
      await parts.stop?.();
      actor.stop();
    },
  };
}

const record = async (number: number): Promise<TrackedPr | undefined> => {
  const entry = await kv.get<TrackedPr>(ciQueueKey(REPO, number));
  return entry && isTrackedPr(entry.value) ? entry.value : undefined;
};

describe('entering the CI queue while the PR poller is down', () => {
  it('a PR pushed while the poller was stopped enters the CI queue when it starts', async () => {
    const pull = fake.addPull(REPO, { head: { ref: 'roshi/while-down', sha: 'd'.repeat(40) } });
    const url = `https://github.com/${REPO}/pull/${pull.number}`;

    // The poller runs once (and follows the PR, which is not in the queue), then stops.
    const first = await startPoller();
    await until(async () => (await record(pull.number)) !== undefined, 'the poller to follow the PR', {
      timeoutMs: 30_000,
    });
    expect((await record(pull.number))?.inCiQueue).not.toBe(true);
    await first.stop();

    // A runner pushes to the PR while no poller runs.
    bus.publish(bus.subjects.missionEvents, pushedEvent('m-down-1', url, 'roshi/while-down'));
    await bus.nc.flush();

    const second = await startPoller();
    try {
      const queued = await until(
        async () => {
          const pr = await record(pull.number);
          return pr?.inCiQueue === true ? pr : undefined;
        },
        'the PR pushed while the poller was down to enter the CI queue',
        { timeoutMs: 30_000 },
      );
      expect(queued).toMatchObject({ url, branch: 'roshi/while-down', attempts: 0 });
    } finally {
      await second.stop();
    }
  });
});
