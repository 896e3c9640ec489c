// The prPoller machine with a simulated clock: idle without a token, fast and idle cadence,
// pokes, exponential backoff raised to Retry-After, and draining.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { pollBackoffMs, prPollerMachine, type PollResult, type PrPollerInput } from '../../machines/prPoller.js';

const INPUT: PrPollerInput = { fastMs: 1_000, idleMs: 10_000, backoffBaseMs: 500, backoffMaxMs: 8_000 };
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
/** Lets `ms` pass on the simulated clock, then lets the poll it may start settle. */
const advance = async (clock: SimulatedClock, ms: number) => {
  clock.increment(ms);
  await flush();
};

function start(results: Array<PollResult | Error>, input: PrPollerInput = INPUT) {
  const clock = new SimulatedClock();
  let polls = 0;
  const machine = prPollerMachine.provide({
    actors: {
      poll: fromPromise<PollResult>(async () => {
        const next = results[Math.min(polls, results.length - 1)] ?? { ok: true, fast: false, at: clock.now() };
        polls++;
        if (next instanceof Error) throw next;
        return { ...next, at: clock.now() };
      }),
    },
  });
  const actor = createActor(machine, { input, clock });
  actor.start();
  return {
    actor,
    clock,
    polls: () => polls,
    state: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
  };
}

describe('prPoller machine', () => {
  it('stays idle without a token and says why', () => {
    const { state, context, polls } = start([], { ...INPUT, idleReason: 'no GitHub token: GITHUB_TOKEN is not set' });
    expect(state()).toBe('idle');
    expect(context().idleReason).toMatch(/GITHUB_TOKEN/);
    expect(polls()).toBe(0);
  });

  it('polls at the idle cadence when nothing is pending, fast when something is', async () => {
    const { clock, polls, state, context } = start([
      { ok: true, fast: false, at: 0 },
      { ok: true, fast: true, at: 0 },
      { ok: true, fast: true, at: 0 },
    ]);
    await flush();
    expect(polls()).toBe(1);
    expect(state()).toBe('waiting');
    expect(context().cadence).toBe('idle');
    await advance(clock, 9_999);
    expect(polls()).toBe(1);
    await advance(clock, 1);
    expect(polls()).toBe(2);
    expect(context().cadence).toBe('fast');
    await advance(clock, 1_000);
    expect(polls()).toBe(3);
  });

  it('a POKE cuts a wait short; one during a poll starts the next poll at once', async () => {
    const { actor, polls, state } = start([{ ok: true, fast: false, at: 0 }]);
    await flush();
    expect(polls()).toBe(1);
    actor.send({ type: 'POKE' });
    expect(state()).toBe('polling');
    actor.send({ type: 'POKE' }); // while polling
    await flush();
    await flush();
    expect(polls()).toBe(3);
    expect(state()).toBe('waiting');
  });

  it('backs off exponentially on failures, visibly, and recovers', async () => {
    const outage: PollResult = {
      ok: false,
      at: 0,
      kind: 'outage',
      error: 'GitHub GET /repos/acme/app/pulls failed: 503',
    };
    const { clock, polls, state, context } = start([outage, outage, outage, { ok: true, fast: false, at: 0 }]);
    await flush();
    expect(state()).toBe('backingOff');
    expect(context()).toMatchObject({ failures: 1, lastErrorKind: 'outage' });
    expect(context().backoffUntil).toBe(500);
    await advance(clock, 500);
    expect(polls()).toBe(2);
    expect(context().failures).toBe(2);
    expect((context().backoffUntil ?? 0) - clock.now()).toBe(1_000);
    await advance(clock, 999);
    expect(polls()).toBe(2);
    await advance(clock, 1);
    expect(polls()).toBe(3);
    expect((context().backoffUntil ?? 0) - clock.now()).toBe(2_000);
    await advance(clock, 2_000);
    expect(state()).toBe('waiting');
    expect(context().failures).toBe(0);
  });

  it('a POKE does not cut a backoff short', async () => {
    const { actor, polls, state } = start([{ ok: false, at: 0, kind: 'outage', error: 'down' }]);
    await flush();
    actor.send({ type: 'POKE' });
    await flush();
    expect(state()).toBe('backingOff');
    expect(polls()).toBe(1);
  });

  it('a rate limit waits for its reset (Retry-After), within a ceiling', () => {
    const ctx = { backoffBaseMs: 500, backoffMaxMs: 8_000, maxRetryAfterMs: 3_600_000 };
    expect(pollBackoffMs(1, ctx, 120_000)).toBe(120_000);
    expect(pollBackoffMs(1, ctx, 10 * 3_600_000)).toBe(3_600_000);
    expect(pollBackoffMs(10, ctx)).toBe(8_000);
  });

  it('an unexpected error in a poll backs off instead of crashing', async () => {
    const { state, context } = start([new Error('bug')]);
    await flush();
    expect(state()).toBe('backingOff');
    expect(context().lastError).toBe('bug');
  });

  it('drains from any state', async () => {
    const idle = start([], { ...INPUT, idleReason: 'no token' });
    idle.actor.send({ type: 'DRAIN' });
    expect(idle.actor.getSnapshot().status).toBe('done');
    const busy = start([{ ok: true, fast: false, at: 0 }]);
    busy.actor.send({ type: 'DRAIN' });
    expect(busy.actor.getSnapshot().status).toBe('done');
  });
});
