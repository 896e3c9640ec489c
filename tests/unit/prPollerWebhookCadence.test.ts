// The prPoller machine while GitHub webhooks arrive (simulated clock): a WEBHOOK pokes a poll at
// once, the waits stretch to the safety interval, and the normal cadence comes back when no
// webhook arrived for that long. A WEBHOOK during a backoff does not cut it short.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { pollWaitMs, prPollerMachine, type PollResult, type PrPollerInput } from '../../machines/prPoller.js';

const INPUT: PrPollerInput = {
  fastMs: 1_000,
  idleMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 8_000,
  webhookSafetyMs: 60_000,
};
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function start(results: PollResult[] = []) {
  const clock = new SimulatedClock();
  let polls = 0;
  const machine = prPollerMachine.provide({
    actors: {
      poll: fromPromise<PollResult>(async () => {
        const next = results[Math.min(polls, results.length - 1)] ?? { ok: true, fast: false, at: 0 };
        polls++;
        return { ...next, at: clock.now() };
      }),
    },
  });
  const actor = createActor(machine, { input: INPUT, clock });
  actor.start();
  const advance = async (ms: number) => {
    clock.increment(ms);
    await flush();
  };
  return { actor, clock, advance, polls: () => polls, context: () => actor.getSnapshot().context };
}

describe('prPoller machine with webhooks', () => {
  it('pollWaitMs: the cadence without webhooks, the safety interval within it of the last one', () => {
    const context = { fastMs: 1_000, idleMs: 10_000, webhookSafetyMs: 60_000 };
    expect(pollWaitMs(context, 'fast', 100_000)).toBe(1_000);
    expect(pollWaitMs({ ...context, lastWebhookAt: 50_000 }, 'fast', 100_000)).toBe(60_000);
    expect(pollWaitMs({ ...context, lastWebhookAt: 40_000 }, 'idle', 100_000)).toBe(10_000);
  });

  it('a WEBHOOK polls at once, then waits the safety interval instead of the fast cadence', async () => {
    const { actor, clock, advance, polls, context } = start([{ ok: true, fast: true, at: 0 }]);
    await flush();
    expect(polls()).toBe(1);
    await advance(1_000);
    expect(polls()).toBe(2);
    actor.send({ type: 'WEBHOOK', at: clock.now() });
    await flush();
    expect(polls()).toBe(3);
    expect(context().webhooks).toBe(1);
    expect(context().nextPollAt).toBe(clock.now() + 60_000);
    await advance(59_999);
    expect(polls()).toBe(3);
    await advance(1);
    expect(polls()).toBe(4);
    // No webhook for the safety interval: the fast cadence is back.
    expect(context().nextPollAt).toBe(clock.now() + 1_000);
    await advance(1_000);
    expect(polls()).toBe(5);
  });

  it('a WEBHOOK during a poll is not lost: one more poll follows', async () => {
    let release: (() => void) | undefined;
    const clock = new SimulatedClock();
    let polls = 0;
    const machine = prPollerMachine.provide({
      actors: {
        poll: fromPromise<PollResult>(async () => {
          polls++;
          if (polls === 1) await new Promise<void>((resolve) => (release = resolve));
          return { ok: true, fast: false, at: clock.now() };
        }),
      },
    });
    const actor = createActor(machine, { input: INPUT, clock });
    actor.start();
    await flush();
    actor.send({ type: 'WEBHOOK', at: clock.now() });
    release?.();
    await flush();
    await flush();
    expect(polls).toBe(2);
    actor.stop();
  });

  it('a burst of deliveries received before the poll began is one poll; one received after it began is one more', async () => {
    let release: (() => void) | undefined;
    const clock = new SimulatedClock();
    let polls = 0;
    const machine = prPollerMachine.provide({
      actors: {
        poll: fromPromise<PollResult>(async () => {
          polls++;
          if (polls > 1) await new Promise<void>((resolve) => (release = resolve));
          return { ok: true, fast: false, at: clock.now() };
        }),
      },
    });
    const actor = createActor(machine, { input: INPUT, clock });
    const finishPoll = async () => {
      release?.();
      release = undefined;
      await flush();
      await flush();
    };
    actor.start();
    await flush();
    expect(polls).toBe(1);
    clock.increment(1_000);
    // check_run, check_suite and workflow_run for one change, all received at the same moment.
    for (let i = 0; i < 3; i++) actor.send({ type: 'WEBHOOK', at: clock.now() });
    await flush();
    expect(polls).toBe(2);
    await finishPoll();
    expect(polls).toBe(2);
    expect(actor.getSnapshot().context.webhooks).toBe(3);
    // A delivery received after the poll began may describe what it did not see: one more poll.
    clock.increment(1_000);
    actor.send({ type: 'WEBHOOK', at: clock.now() });
    await flush();
    expect(polls).toBe(3);
    clock.increment(1);
    actor.send({ type: 'WEBHOOK', at: clock.now() });
    await finishPoll();
    expect(polls).toBe(4);
    await finishPoll();
    expect(polls).toBe(4);
    actor.stop();
  });

  it('a WEBHOOK during a backoff is noted but does not cut it short', async () => {
    const { actor, clock, advance, polls, context } = start([
      { ok: false, at: 0, kind: 'rate_limit', error: 'rate limited', retryAfterMs: 30_000 },
      { ok: true, fast: false, at: 0 },
    ]);
    await flush();
    expect(actor.getSnapshot().value).toBe('backingOff');
    actor.send({ type: 'WEBHOOK', at: clock.now() });
    await flush();
    expect(polls()).toBe(1);
    expect(context().webhooks).toBe(1);
    await advance(30_000);
    expect(polls()).toBe(2);
    // The webhook arrived within the safety interval: the next wait is the safety interval.
    expect(context().nextPollAt).toBe(clock.now() + 60_000);
  });
});
