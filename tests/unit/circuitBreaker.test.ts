import { describe, it, expect } from 'vitest';
import { assign, createActor, sendTo, setup, SimulatedClock } from 'xstate';
import {
  breakerFailure,
  breakerReset,
  breakerSuccess,
  breakerSummary,
  circuitBreakerMachine,
  validateBreakerInput,
  type BreakerInput,
  type CircuitNotice,
  type PersistedBreaker,
} from '../../machines/circuitBreaker.js';

// Event times are an epoch offset plus the simulated clock, so `at` and the machine's timers agree.
const T0 = 1_700_000_000_000;

function start(input: Partial<BreakerInput> & { openForMs?: number }) {
  const clock = new SimulatedClock();
  const actor = createActor(circuitBreakerMachine, { clock, input: { openForMs: 1_000, now: T0, ...input } });
  const notices: CircuitNotice[] = [];
  actor.on('*', (n) => notices.push(n));
  actor.start();
  const now = () => T0 + clock.now();
  return {
    actor,
    clock,
    notices,
    now,
    fail: (reason?: string) => actor.send(breakerFailure(now(), reason)),
    succeed: () => actor.send(breakerSuccess(now())),
    state: () => breakerSummary(actor.getSnapshot()).state,
    summary: () => breakerSummary(actor.getSnapshot()),
  };
}

describe('circuitBreaker: trip rules', () => {
  it('consecutive rule opens at the threshold and not before', () => {
    const b = start({ maxConsecutiveFailures: 3 });
    b.fail();
    b.fail();
    expect(b.summary()).toMatchObject({ state: 'closed', failures: 2, opens: 0 });
    expect(b.notices).toEqual([]);
    b.clock.increment(10);
    b.fail('boom');
    expect(b.summary()).toEqual({
      state: 'open',
      failures: 3,
      recentFailures: [],
      openUntil: T0 + 10 + 1_000,
      opens: 1,
    });
    expect(b.notices).toEqual([
      { type: 'CIRCUIT.OPENED', at: T0 + 10, openUntil: T0 + 1_010, failures: 3, opens: 1, reason: 'boom' },
    ]);
  });

  it('a success in closed resets the consecutive count', () => {
    const b = start({ maxConsecutiveFailures: 3 });
    b.fail();
    b.fail();
    b.succeed();
    expect(b.summary().failures).toBe(0);
    b.fail();
    b.fail();
    expect(b.state()).toBe('closed');
    b.fail();
    expect(b.state()).toBe('open');
  });

  it('intensity rule opens at R failures within T', () => {
    const b = start({ intensity: { maxFailures: 3, periodMs: 1_000 } });
    b.fail();
    b.clock.increment(400);
    b.succeed(); // successes do not empty the window: intensity counts failures, not streaks
    b.fail();
    b.clock.increment(599);
    expect(b.state()).toBe('closed');
    b.fail();
    expect(b.summary()).toMatchObject({ state: 'open', recentFailures: [T0, T0 + 400, T0 + 999] });
  });

  it('intensity rule does not open when the failures are spread over more than T', () => {
    const b = start({ intensity: { maxFailures: 3, periodMs: 1_000 } });
    b.fail();
    b.clock.increment(600);
    b.fail();
    b.clock.increment(600);
    b.fail(); // the first failure is 1 200 ms old: out of the window
    expect(b.summary()).toMatchObject({ state: 'closed', failures: 3, recentFailures: [T0 + 600, T0 + 1_200] });
    b.clock.increment(400);
    b.fail(); // exactly T after the second: still out, the window is (at - T, at]
    expect(b.summary()).toMatchObject({ state: 'closed', recentFailures: [T0 + 1_200, T0 + 1_600] });
  });
});

describe('circuitBreaker: open, half-open, probe', () => {
  it('goes half-open after openFor exactly, not 1 ms before', () => {
    const b = start({ maxConsecutiveFailures: 1, openForMs: 5_000 });
    b.fail();
    b.clock.increment(4_999);
    expect(b.state()).toBe('open');
    b.clock.increment(1);
    expect(b.state()).toBe('halfOpen');
    expect(b.notices.map((n) => n.type)).toEqual(['CIRCUIT.OPENED', 'CIRCUIT.HALF_OPENED']);
    expect(b.notices[1]).toEqual({ type: 'CIRCUIT.HALF_OPENED', at: T0 + 5_000 });
  });

  it('a successful probe closes and resets failures, so one later failure does not re-open', () => {
    const b = start({ maxConsecutiveFailures: 3, intensity: { maxFailures: 3, periodMs: 60_000 } });
    b.fail();
    b.fail();
    b.fail();
    b.clock.increment(1_000);
    b.succeed();
    expect(b.summary()).toEqual({ state: 'closed', failures: 0, recentFailures: [], openUntil: undefined, opens: 1 });
    expect(b.notices.at(-1)).toEqual({ type: 'CIRCUIT.CLOSED', at: T0 + 1_000, reset: false });
    b.fail(); // the regression: stale counts made this single failure re-trip
    expect(b.summary()).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('a failed probe re-opens with a fresh deadline and counts another open', () => {
    const b = start({ maxConsecutiveFailures: 2, openForMs: 1_000 });
    b.fail();
    b.fail();
    b.clock.increment(1_500); // half-open at +1 000, probe fails 500 ms later
    expect(b.state()).toBe('halfOpen');
    b.fail('probe failed');
    expect(b.summary()).toMatchObject({ state: 'open', opens: 2, openUntil: T0 + 2_500, failures: 3 });
    expect(b.notices.at(-1)).toMatchObject({ type: 'CIRCUIT.OPENED', at: T0 + 1_500, openUntil: T0 + 2_500, opens: 2 });
    b.clock.increment(999);
    expect(b.state()).toBe('open');
    b.clock.increment(1);
    expect(b.state()).toBe('halfOpen');
  });

  it('ignores FAILURE and SUCCESS while open and keeps the deadline', () => {
    const b = start({ maxConsecutiveFailures: 1 });
    b.fail();
    const before = b.summary();
    b.clock.increment(100);
    b.fail();
    b.succeed();
    b.fail();
    expect(b.summary()).toEqual(before);
    expect(b.notices).toHaveLength(1);
    b.clock.increment(900);
    expect(b.state()).toBe('halfOpen');
  });

  it('RESET closes from open, clears counts, cancels the wait; in closed it clears silently', () => {
    const b = start({ maxConsecutiveFailures: 2, intensity: { maxFailures: 5, periodMs: 10_000 } });
    b.fail();
    b.fail();
    b.actor.send(breakerReset());
    expect(b.summary()).toEqual({ state: 'closed', failures: 0, recentFailures: [], openUntil: undefined, opens: 1 });
    expect(b.notices.at(-1)).toEqual({ type: 'CIRCUIT.CLOSED', reset: true });
    b.clock.increment(5_000);
    expect(b.state()).toBe('closed');
    b.fail();
    b.actor.send(breakerReset());
    expect(b.summary()).toMatchObject({ state: 'closed', failures: 0, recentFailures: [] });
    expect(b.notices).toHaveLength(2);
  });
});

describe('circuitBreaker: restore', () => {
  const persisted = (p: Partial<PersistedBreaker>): PersistedBreaker => ({
    state: 'closed',
    failures: 0,
    recentFailures: [],
    opens: 0,
    ...p,
  });

  it('open with time left stays open for the remaining time only', () => {
    const b = start({
      maxConsecutiveFailures: 3,
      openForMs: 10_000,
      restore: persisted({ state: 'open', failures: 3, openUntil: T0 + 300, opens: 4 }),
    });
    expect(b.summary()).toEqual({ state: 'open', failures: 3, recentFailures: [], openUntil: T0 + 300, opens: 4 });
    expect(b.notices).toEqual([]);
    b.clock.increment(299);
    expect(b.state()).toBe('open');
    b.clock.increment(1);
    expect(b.state()).toBe('halfOpen');
  });

  it('open whose deadline passed while down goes half-open at once', () => {
    const b = start({
      maxConsecutiveFailures: 3,
      restore: persisted({ state: 'open', failures: 3, openUntil: T0 - 1, opens: 1 }),
    });
    expect(b.state()).toBe('halfOpen');
    expect(b.notices).toEqual([{ type: 'CIRCUIT.HALF_OPENED', at: T0 }]);
  });

  it('halfOpen resumes waiting for its one probe', () => {
    const b = start({ maxConsecutiveFailures: 3, restore: persisted({ state: 'halfOpen', failures: 3, opens: 2 }) });
    expect(b.state()).toBe('halfOpen');
    b.fail();
    expect(b.summary()).toMatchObject({ state: 'open', opens: 3, openUntil: T0 + 1_000 });
  });

  it('closed keeps its failures and window', () => {
    const input = { maxConsecutiveFailures: 3, intensity: { maxFailures: 3, periodMs: 1_000 } };
    const b = start({ ...input, restore: persisted({ failures: 2, recentFailures: [T0 - 100, T0 - 50] }) });
    expect(b.summary()).toMatchObject({ state: 'closed', failures: 2, recentFailures: [T0 - 100, T0 - 50] });
    b.fail();
    expect(b.state()).toBe('open');
    // The summary is exactly the restore input: a round trip changes nothing.
    const again = start({ ...input, restore: b.summary() });
    expect(again.summary()).toEqual(b.summary());
  });
});

describe('circuitBreaker: parent notification', () => {
  it('an invoking machine reacts to CIRCUIT.* sent with notifyParent', () => {
    const parent = setup({
      types: {
        context: {} as { seen: string[] },
        events: {} as CircuitNotice | { type: 'REPORT'; ok: boolean; at: number },
      },
      actors: { breaker: circuitBreakerMachine },
    }).createMachine({
      context: { seen: [] },
      invoke: {
        id: 'breaker',
        src: 'breaker',
        input: { name: 'dispatch', maxConsecutiveFailures: 2, openForMs: 1_000, now: T0, notifyParent: true },
      },
      on: {
        REPORT: {
          actions: sendTo('breaker', ({ event }) => (event.ok ? breakerSuccess(event.at) : breakerFailure(event.at))),
        },
        'CIRCUIT.*': {
          actions: assign({
            seen: ({ context, event }) => [...context.seen, `${event.type}:${(event as CircuitNotice).breaker}`],
          }),
        },
      },
    });
    const clock = new SimulatedClock();
    const actor = createActor(parent, { clock }).start();
    actor.send({ type: 'REPORT', ok: false, at: T0 });
    actor.send({ type: 'REPORT', ok: false, at: T0 });
    clock.increment(1_000);
    actor.send({ type: 'REPORT', ok: true, at: T0 + 1_000 });
    expect(actor.getSnapshot().status).toBe('active');
    expect(actor.getSnapshot().context.seen).toEqual([
      'CIRCUIT.OPENED:dispatch',
      'CIRCUIT.HALF_OPENED:dispatch',
      'CIRCUIT.CLOSED:dispatch',
    ]);
  });

  it('the notify action can be overridden with provide()', () => {
    const routed: string[] = [];
    const machine = circuitBreakerMachine.provide({
      actions: { notify: (_, notice) => void routed.push(notice.type) },
    });
    const actor = createActor(machine, { input: { maxConsecutiveFailures: 1, openForMs: 1_000, now: T0 } }).start();
    actor.send(breakerFailure(T0));
    expect(routed).toEqual(['CIRCUIT.OPENED']);
  });
});

describe('circuitBreaker: input validation', () => {
  // xstate catches what the context factory throws and keeps it as an error snapshot (an
  // invoking parent gets it as onError), so check both the thrown Error and where it lands.
  const check = (input: BreakerInput, message: RegExp) => {
    expect(() => validateBreakerInput(input)).toThrow(message);
    const snapshot = createActor(circuitBreakerMachine, { input }).getSnapshot();
    expect(snapshot.status).toBe('error');
    expect((snapshot.error as Error).message).toMatch(message);
  };
  it.each([0, -5, Number.NaN])('rejects openForMs %s', (openForMs) => {
    check({ maxConsecutiveFailures: 1, openForMs, now: T0 }, /openForMs must be a positive/);
  });
  it('rejects a breaker with neither rule', () => {
    check({ openForMs: 1_000, now: T0 }, /at least one trip rule/);
  });
  it('rejects rules that cannot trip sensibly', () => {
    check({ maxConsecutiveFailures: 0, openForMs: 1_000, now: T0 }, /maxConsecutiveFailures/);
    check({ intensity: { maxFailures: 2, periodMs: 0 }, openForMs: 1_000, now: T0 }, /intensity/);
  });
  it('an invoking parent sees the error as onError', () => {
    const parent = setup({ actors: { breaker: circuitBreakerMachine } }).createMachine({
      initial: 'running',
      states: {
        running: {
          invoke: { src: 'breaker', input: { openForMs: 0, maxConsecutiveFailures: 1, now: T0 }, onError: 'failed' },
        },
        failed: {},
      },
    });
    const actor = createActor(parent).start();
    expect(actor.getSnapshot().value).toBe('failed');
  });
  it('accepts the smallest valid breaker', () => {
    expect(() =>
      validateBreakerInput({ intensity: { maxFailures: 1, periodMs: 1 }, openForMs: 1, now: 0 }),
    ).not.toThrow();
  });
});
