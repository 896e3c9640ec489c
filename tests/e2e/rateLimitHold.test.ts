// Rate limits held in common (docs/missions.md#rate-limits-held-in-common), end to end: three
// runners from dist/, the real Claude Code CLI against a scripted API. One mission's agent is
// told by a 429 to retry after 6 s; every runner then waits out that time before it claims, and
// `roshi status` says so.
import { describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/index.js';
import type { Mission } from '../../src/contracts/index.js';
import { readHold, type DispatchHold } from '../../src/missions/dispatchHold.js';
import { addMission, untilMission } from '../harness/missionClient.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, type TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const RUNNERS = ['runner-1', 'runner-2', 'runner-3'];

describe('a 429 on one of three runners', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    {
      config: (w) => deepMerge(w.config(), { actors: { runner: { instances: 3 } } }),
      running: ['missions', ...RUNNERS],
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  it('holds all three until the time the API gave, then the queue goes on by itself', async () => {
    // The first request and the CLI's one retry get the 429; the next attempt succeeds.
    let calls = 0;
    world.scenarios.set('limited', (req) =>
      ++calls <= 2
        ? {
            error: {
              status: 429,
              type: 'rate_limit_error',
              message: 'Number of requests has exceeded your rate limit',
              headers: { 'retry-after': '6' },
            },
          }
        : writesFile('limited.txt', 'ok')(req),
    );
    world.scenarios.set('after-1', writesFile('after1.txt', 'one'));
    world.scenarios.set('after-2', writesFile('after2.txt', 'two'));
    const state = await JsonKv.open(tree.bus, tree.bus.subjects.stateBucket);

    const limited = await addMission(tree, 'meet the rate limit {{limited}}');
    const hold: DispatchHold = await until(() => readHold(state), 'the hold', {
      timeoutMs: 60_000,
      detail: () => tree.output().slice(-3000),
    });
    expect(hold.reason).toMatch(/429|rate limit/i);
    expect(hold.until - hold.at).toBeGreaterThanOrEqual(5_000);
    // The operator sees the hold in `roshi status`, with its end and its cause.
    const shown = await tree.cli(['status']);
    expect(shown.stdout).toMatch(/dispatch\s+held until \S+ \(runner-\d: .*(429|rate limit)/i);
    const others = [
      await addMission(tree, 'after the hold {{after-1}}'),
      await addMission(tree, 'after the hold {{after-2}}'),
    ];

    // While it lasts, no runner claims: each says it is paused (the one that was told, once it
    // has recorded how its attempt ended).
    const states = async () =>
      Promise.all(
        RUNNERS.map(
          async (r) =>
            (await tree.bus.request<{ state: string }>(tree.bus.subjects.control(r), { verb: 'ping' })).state,
        ),
      );
    const allPaused = await until(
      async () => ((await states()).every((s) => s === 'paused') ? true : undefined),
      'every runner paused',
      {
        timeoutMs: Math.max(500, hold.until - Date.now() - 500),
        detail: async () => (await states()).join(', '),
      },
    ).catch((error: unknown) => error);
    expect(allPaused).toBe(true);
    for (const m of others) {
      const done: Mission = await untilMission(tree, m.id, (x) => x.status === 'done', 60_000, `${m.id} done`);
      expect(done.startedAt, 'claimed only after the hold').toBeGreaterThanOrEqual(hold.until);
    }
    const retried = await untilMission(tree, limited.id, (x) => x.status === 'done', 60_000, 'the limited one done');
    expect(retried.attempts).toBe(1); // a transient failure does not spend an attempt
  }, 150_000);

  it('holds all three until a usage limit’s reset time exactly, then resumes by itself', async () => {
    // Claude Code's wording for a subscription's usage limit, epoch form; the CLI retries it after
    // half a second (docs/claude-cli.md), the reset lies seconds further.
    const reset = Math.ceil(Date.now() / 1000) + 12;
    let calls = 0;
    world.scenarios.set('quota', (req) =>
      ++calls <= 2
        ? {
            error: {
              status: 429,
              type: 'rate_limit_error',
              message: `Claude AI usage limit reached|${reset}`,
            },
          }
        : writesFile('quota.txt', 'ok')(req),
    );
    world.scenarios.set('after-quota', writesFile('afterquota.txt', 'ok'));
    const state = await JsonKv.open(tree.bus, tree.bus.subjects.stateBucket);

    const limited = await addMission(tree, 'meet the usage limit {{quota}}');
    const hold: DispatchHold = await until(
      async () => {
        const h = await readHold(state);
        return h && /usage limit/i.test(h.reason) ? h : undefined;
      },
      'the usage-limit hold',
      { timeoutMs: 60_000, detail: () => tree.output().slice(-3000) },
    );
    // To the millisecond but for the time between reading the result and writing the hold.
    expect(Math.abs(hold.until - reset * 1000), 'held until the reset the message named').toBeLessThan(1_000);
    const after = await addMission(tree, 'after the usage limit {{after-quota}}');
    const done = await untilMission(tree, after.id, (x) => x.status === 'done', 60_000, 'the next one done');
    expect(done.startedAt, 'claimed only after the reset').toBeGreaterThanOrEqual(reset * 1000);
    const retried = await untilMission(tree, limited.id, (x) => x.status === 'done', 60_000, 'the limited one done');
    expect(retried.startedAt).toBeGreaterThanOrEqual(reset * 1000);
  }, 150_000);
});
