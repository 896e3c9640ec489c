// The child-supervision machine, driven by a simulated clock that stays in step with the `at`
// of every event we send: each test advances the clock, then sends events stamped clock.now().
// Side effects are recorded as short strings, in order, so every test asserts the exact
// sequence the host would have performed. Times in the log are relative to T0.
import { HEAL_SETTINGS, T0 } from '../harness/healSettings.js';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import {
  circuitReset,
  heartbeat,
  processExited,
  processStarted,
  restartAcked,
  restartUnanswered,
  roll,
  spawnFailed,
  start,
  stop,
  verdict,
  type ChildEvent,
} from '../../machines/childEvents.js';
import { childStatus, circuitOf, persistedHealState, stateName } from '../../machines/childStatus.js';
import {
  childSupervisionMachine,
  type HealSettings,
  type PersistedHealState,
} from '../../machines/childSupervision.js';
import type { Verdict, VerdictKind } from '../../src/contracts/index.js';

const SETTINGS = HEAL_SETTINGS;

/** Settings whose circuit never trips in these tests, to watch backoff alone. */
const noTrip = (backoff: Partial<HealSettings['backoff']> = {}): HealSettings => ({
  ...SETTINGS,
  backoff: { ...SETTINGS.backoff, ...backoff },
  circuit: { intensity: { maxFailures: 100, periodMs: 60_000 }, openForMs: 30_000 },
});

interface Options {
  cooperative?: boolean;
  settings?: HealSettings;
  restored?: PersistedHealState;
  name?: string;
}

function child(options: Options = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const log: string[] = [];
  const rel = (at: number) => `+${at - T0}`;
  const machine = childSupervisionMachine.provide({
    actions: {
      spawnProcess: () => void log.push('spawn'),
      requestRestart: (_, { pid }) => void log.push(`requestRestart ${pid}`),
      requestStop: (_, { pid }) => void log.push(`requestStop ${pid}`),
      signalProcess: (_, { pid, signal }) => void log.push(`${signal} ${pid}`),
      announce: (_, { kind, detail, at }) => void log.push(`announce ${kind} ${rel(at)} ${detail}`),
      notifyParent: (_, { type }) => void log.push(`notify ${type}`),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      name: options.name ?? 'worker',
      cooperative: options.cooperative ?? true,
      settings: options.settings ?? SETTINGS,
      ...(options.restored ? { restored: options.restored } : {}),
    },
  });
  actor.start();
  const h = {
    actor,
    clock,
    now: () => clock.now(),
    /** Lets `ms` pass: fires every timer due by then. */
    advance: (ms: number) => clock.increment(ms),
    send: (event: ChildEvent) => actor.send(event),
    /** The side effects since the last take(), oldest first. */
    take: () => log.splice(0),
    state: () => stateName(actor.getSnapshot()),
    ctx: () => actor.getSnapshot().context,
    status: () => childStatus(actor.getSnapshot()),
    persisted: () => persistedHealState(actor.getSnapshot()),
    /** START, PROCESS.STARTED and a heartbeat from `pid`, all now; clears the log. */
    toRunning(pid: number) {
      h.send(start(h.now()));
      h.send(processStarted(pid, h.now()));
      h.send(heartbeat(pid, `boot-${pid}`, h.now()));
      expect(h.state()).toBe('running');
      h.take();
    },
    /** Running on `pid`'s heartbeat at +`rel`: no deadline, failures forgotten, READY told to the parent. */
    expectReadyAgain(pid: number, rel: number) {
      expect(h.state()).toBe('running');
      expect(h.ctx().deadline).toBeUndefined();
      expect(h.ctx().counts).toEqual({ failures: 0, recentFailures: [], opens: 0 });
      expect(h.take()).toEqual([`announce ready +${rel} pid ${pid}`, 'notify CHILD.READY']);
    },
    /** `ms` pass; then the state is `state` and the side effects since the last take() are `effects`. */
    after(ms: number, state: string, effects: string[]) {
      h.advance(ms);
      expect(h.state()).toBe(state);
      expect(h.take()).toEqual(effects);
    },
    /** The watchdog's verdict `kind` on `pid`, now. */
    judge: (kind: VerdictKind, pid: number, evidence?: string) =>
      h.send(verdict(mkVerdict(kind, pid, h.now(), evidence))),
    /** `ms` pass in `state` with no side effect. */
    quietFor(ms: number, state: string) {
      h.advance(ms);
      expect(h.state()).toBe(state);
      expect(h.take()).toEqual([]);
    },
    /** Exactly `ms` from now, not 1 ms before, the state goes from `before` to `after` (quiet: with no side effect before). */
    flipsAt(ms: number, before: string, after: string, opts: { quiet?: boolean } = {}) {
      h.advance(ms - 1);
      expect(h.state()).toBe(before);
      if (opts.quiet) expect(h.take()).toEqual([]);
      h.advance(1);
      expect(h.state()).toBe(after);
    },
    /** From spawning: the process starts, optionally reports ready, then exits now. */
    crash(pid: number, opts: { ready?: boolean; sample?: number; code?: number } = {}) {
      expect(h.state()).toBe('spawning');
      h.send(processStarted(pid, h.now()));
      if (opts.ready) h.send(heartbeat(pid, `boot-${pid}`, h.now()));
      h.send(processExited(pid, opts.code ?? 1, null, h.now(), opts.sample));
    },
  };
  return h;
}

/** Two crashes straight after start, with a circuit that never trips: backing off 1 s. */
function crashedTwice() {
  const h = child({ settings: noTrip() });
  h.send(start(h.now()));
  h.crash(101);
  h.advance(0);
  h.crash(102);
  return h;
}

/** Three crashes without a ready, the first `firstAfter` ms after start, the last 1 s later: the circuit opens. */
function crashedThrice(firstAfter: number) {
  const h = child();
  h.send(start(h.now()));
  h.advance(firstAfter);
  h.crash(101);
  h.advance(0);
  h.crash(102);
  h.advance(1_000);
  h.crash(103);
  expect(h.state()).toBe('circuitOpen');
  return h;
}

/** A child already running as pid 101, its log taken. */
function runningChild(options: Options = {}) {
  const h = child(options);
  h.toRunning(101);
  return h;
}

const mkVerdict = (kind: VerdictKind, pid: number, at: number, evidence = 'no heartbeat for 12.0 s'): Verdict => ({
  actor: 'worker',
  verdict: kind,
  pid,
  bootId: `boot-${pid}`,
  evidence,
  at,
});

describe('start', () => {
  it('spawns, waits in starting with a ready deadline, and runs on a heartbeat from the current pid only', () => {
    const h = child();
    expect(h.state()).toBe('idle');
    expect(h.take()).toEqual([]);

    h.send(start(h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.take()).toEqual(['announce spawning +0 starting', 'spawn']);

    h.advance(100);
    h.send(processStarted(101, h.now()));
    expect(h.state()).toBe('starting');
    expect(h.ctx().waitMs).toBe(10_000);
    expect(h.status()).toEqual({
      name: 'worker',
      state: 'starting',
      tier: 0,
      circuit: 'closed',
      pid: 101,
      restarts: 0,
      recentRestarts: 0,
      deadline: T0 + 10_100,
      reason: null,
      lastVerdict: null,
    });
    expect(h.take()).toEqual([]);

    h.advance(500);
    h.send(heartbeat(999, 'boot-other', h.now()));
    expect(h.state()).toBe('starting');
    expect(h.take()).toEqual([]);

    h.send(heartbeat(101, 'boot-101', h.now()));
    expect(h.ctx().bootId).toBe('boot-101');
    h.expectReadyAgain(101, 600);

    // The ready timer was cancelled with the state.
    h.quietFor(60_000, 'running');
  });

  it('kills a process that sends no heartbeat within readyTimeout, exactly at the deadline', () => {
    const h = child();
    h.send(start(h.now()));
    h.send(processStarted(101, h.now()));
    h.take();

    h.flipsAt(10_000, 'starting', 'tier3', { quiet: true });
    expect(h.status()).toMatchObject({ tier: 3, pid: 101, deadline: T0 + 13_000, reason: 'no heartbeat after start' });
    expect(h.take()).toEqual(['announce tier3 +10000 SIGKILL pid 101 (no heartbeat after start)', 'SIGKILL 101']);

    h.advance(200);
    h.send(processExited(101, null, 'SIGKILL', h.now()));
    expect(h.state()).toBe('backoff');
    expect(h.ctx().waitMs).toBe(0);
    expect(h.ctx().deadline).toBe(T0 + 10_200);
    expect(h.ctx().counts).toEqual({ failures: 1, recentFailures: [T0 + 10_200], opens: 0 });
    expect(h.ctx().totalRestarts).toBe(1);
    expect(h.ctx().lastExit).toEqual({ code: null, signal: 'SIGKILL', at: T0 + 10_200 });
    expect(h.take()).toEqual(['announce exited +10200 killed by SIGKILL', 'announce backoff +10200 respawn in 0 ms']);

    h.advance(0);
    expect(h.state()).toBe('spawning');
    expect(h.ctx().pid).toBeUndefined();
    expect(h.take()).toEqual(['announce spawning +10200 respawning', 'spawn']);
  });

  it('a spawn failure counts as a crash and backs off', () => {
    const h = child();
    h.send(start(h.now()));
    h.take();
    h.advance(50);
    h.send(spawnFailed('ENOENT', h.now()));
    expect(h.state()).toBe('backoff');
    expect(h.ctx().reason).toBe('spawn failed: ENOENT');
    expect(h.ctx().counts.failures).toBe(1);
    expect(h.take()).toEqual(['announce exited +50 spawn failed: ENOENT', 'announce backoff +50 respawn in 0 ms']);
  });
});

describe('heal tiers', () => {
  it('stale → tier1 → unanswered → tier2 → grace → tier3 → exit → backoff → spawning', () => {
    const h = runningChild();

    h.advance(1_000);
    const stale = mkVerdict('stale', 101, h.now());
    h.send(verdict(stale));
    expect(h.state()).toBe('tier1');
    expect(h.status()).toEqual({
      name: 'worker',
      state: 'tier1',
      tier: 1,
      circuit: 'closed',
      pid: 101,
      restarts: 0,
      recentRestarts: 0,
      deadline: T0 + 6_000,
      reason: 'stale: no heartbeat for 12.0 s',
      lastVerdict: stale,
    });
    expect(h.take()).toEqual([
      'announce tier1 +1000 cooperative restart (stale: no heartbeat for 12.0 s)',
      'requestRestart 101',
    ]);

    h.advance(1_500);
    h.send(restartUnanswered(999, 'timeout', h.now())); // another process: ignored
    expect(h.state()).toBe('tier1');
    h.send(restartUnanswered(101, 'timeout', h.now()));
    expect(h.state()).toBe('tier2');
    expect(h.status()).toMatchObject({ tier: 2, deadline: T0 + 5_500 });
    expect(h.take()).toEqual(['announce tier2 +2500 SIGTERM pid 101', 'SIGTERM 101']);

    h.flipsAt(3_000, 'tier2', 'tier3', { quiet: true });
    expect(h.status()).toMatchObject({ tier: 3, deadline: T0 + 8_500 });
    expect(h.take()).toEqual(['announce tier3 +5500 SIGKILL pid 101 (stale: no heartbeat for 12.0 s)', 'SIGKILL 101']);

    // tier1's own timer (T0+6000) was cancelled when it left.
    h.advance(600);
    expect(h.state()).toBe('tier3');
    h.send(processExited(101, null, 'SIGKILL', h.now()));
    expect(h.state()).toBe('backoff');
    expect(h.status()).toMatchObject({ tier: 0, pid: null, restarts: 1, recentRestarts: 1, deadline: T0 + 6_100 });
    expect(h.take()).toEqual(['announce exited +6100 killed by SIGKILL', 'announce backoff +6100 respawn in 0 ms']);

    h.after(0, 'spawning', ['announce spawning +6100 respawning', 'spawn']);
  });

  it('tier1 escalates to tier2 exactly at the cooperative deadline, not 1 ms before', () => {
    const h = runningChild();
    h.advance(1_000);
    h.judge('stale', 101);
    h.take();
    expect(h.ctx().deadline).toBe(T0 + 6_000);

    h.flipsAt(5_000, 'tier1', 'tier2', { quiet: true });
    // The new wait starts at the old deadline.
    expect(h.ctx().deadline).toBe(T0 + 9_000);
    expect(h.take()).toEqual(['announce tier2 +6000 SIGTERM pid 101', 'SIGTERM 101']);
  });

  it('tier3 gives up on a process that does not exit after SIGKILL', () => {
    const h = runningChild();
    h.judge('dead', 101, 'process 101 is gone');
    h.take();
    h.flipsAt(3_000, 'tier3', 'backoff');
    expect(h.ctx().reason).toBe('no exit after SIGKILL');
    expect(h.ctx().counts.recentFailures).toEqual([T0 + 3_000]);
    expect(h.take()).toEqual(['announce exited +3000 no exit after SIGKILL', 'announce backoff +3000 respawn in 0 ms']);
  });

  it('a heartbeat from the current process during tier1 returns to running and cancels the escalation', () => {
    const h = runningChild();
    h.advance(1_000);
    h.judge('stale', 101);
    h.take();

    h.advance(1_000);
    h.send(heartbeat(555, 'boot-555', h.now()));
    expect(h.state()).toBe('tier1');
    h.send(heartbeat(101, 'boot-101', h.now()));
    h.expectReadyAgain(101, 2000);

    h.quietFor(30_000, 'running');
  });

  it('ignores verdicts about an old pid', () => {
    const h = runningChild();
    for (const kind of ['stale', 'dead', 'hung', 'drift'] as const) {
      h.send(verdict(mkVerdict(kind, 100, h.now())));
      expect(h.state()).toBe('running');
    }
    expect(h.ctx().lastVerdict).toBeUndefined();
    expect(h.take()).toEqual([]);
  });

  it('ignores a healthy verdict', () => {
    const h = runningChild();
    h.judge('healthy', 101, 'heartbeat 1.0 s ago');
    expect(h.state()).toBe('running');
    expect(h.take()).toEqual([]);
  });

  it("a 'dead' verdict skips straight to tier3", () => {
    const h = runningChild();
    h.advance(1_000);
    h.judge('dead', 101, 'process 101 is gone');
    expect(h.state()).toBe('tier3');
    expect(h.ctx().deadline).toBe(T0 + 4_000);
    expect(h.take()).toEqual(['announce tier3 +1000 SIGKILL pid 101 (dead: process 101 is gone)', 'SIGKILL 101']);
  });

  it("a 'hung' verdict starts at tier1", () => {
    const h = runningChild();
    h.judge('hung', 101, 'event loop lagged 3.0 s');
    expect(h.state()).toBe('tier1');
    expect(h.take()).toEqual([
      'announce tier1 +0 cooperative restart (hung: event loop lagged 3.0 s)',
      'requestRestart 101',
    ]);
  });

  it('a non-cooperative child skips tier1: no cooperative request, straight to SIGTERM', () => {
    const h = runningChild({ cooperative: false, name: 'nats' });
    h.advance(1_000);
    h.judge('stale', 101);
    expect(h.state()).toBe('tier2');
    expect(h.status()).toMatchObject({
      name: 'nats',
      tier: 2,
      deadline: T0 + 4_000,
      reason: 'stale: no heartbeat for 12.0 s',
    });
    expect(h.take()).toEqual(['announce tier2 +1000 SIGTERM pid 101', 'SIGTERM 101']);

    h.after(3_000, 'tier3', ['announce tier3 +4000 SIGKILL pid 101 (stale: no heartbeat for 12.0 s)', 'SIGKILL 101']);
  });

  it('a drift verdict tells the parent and keeps running', () => {
    const h = runningChild();
    const drift = mkVerdict('drift', 101, h.now(), 'runs build b1, disk has b2');
    h.send(verdict(drift));
    expect(h.state()).toBe('running');
    expect(h.ctx().lastVerdict).toEqual(drift);
    expect(h.ctx().reason).toBe('drift: runs build b1, disk has b2');
    expect(h.take()).toEqual(['notify CHILD.DRIFT']);
  });
});

describe('rolling', () => {
  it('ROLL restarts cooperatively and respawns without counting a failure', () => {
    const h = runningChild();
    // One earlier crash, so there are counts to leave alone.
    h.advance(1_000);
    h.send(processExited(101, 1, null, h.now()));
    h.advance(0);
    h.send(processStarted(102, h.now()));
    h.send(heartbeat(102, 'boot-102', h.now()));
    h.take();
    const countsBefore = structuredClone(h.ctx().counts);
    expect(countsBefore).toEqual({ failures: 0, recentFailures: [T0 + 1_000], opens: 0 });

    h.advance(1_000);
    h.send(roll('build drift', h.now()));
    expect(h.state()).toBe('rolling');
    expect(h.ctx().deadline).toBe(T0 + 7_000);
    expect(h.take()).toEqual(['announce rolling +2000 build drift', 'requestRestart 102']);

    h.send(restartAcked(102, h.now()));
    expect(h.state()).toBe('rolling');
    h.advance(500);
    h.send(processExited(999, 0, null, h.now()));
    expect(h.state()).toBe('rolling');
    h.send(processExited(102, 0, null, h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.ctx().counts).toEqual(countsBefore);
    expect(h.ctx().totalRestarts).toBe(1);
    expect(h.ctx().lastExit).toEqual({ code: 0, signal: null, at: T0 + 2_500 });
    expect(h.take()).toEqual(['announce spawning +2500 starting', 'spawn']);

    h.send(processStarted(103, h.now()));
    h.send(heartbeat(103, 'boot-103', h.now()));
    expect(h.state()).toBe('running');
    expect(h.ctx().counts).toEqual(countsBefore);
    expect(h.take()).toEqual(['announce ready +2500 pid 103', 'notify CHILD.READY']);
  });

  it('a deferred restart (runner mid-mission) waits without escalating, and still heals a hang', () => {
    const h = child();
    h.toRunning(100);
    h.send(roll('build drift', h.now()));
    h.send(restartAcked(100, h.now(), true));
    expect(h.state()).toBe('rollingDeferred');
    h.advance(SETTINGS.cooperativeTimeoutMs * 10);
    expect(h.state()).toBe('rollingDeferred');
    h.judge('stale', 100);
    expect(h.state()).toBe('tier1');
  });

  it('a deferred restart ends with the exit: respawn, not counted as a failure', () => {
    const h = child();
    h.toRunning(100);
    h.send(roll('build drift', h.now()));
    h.send(restartAcked(100, h.now(), true));
    h.advance(600_000);
    h.send(processExited(100, 0, null, h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.ctx().counts.failures).toBe(0);
    expect(h.ctx().totalRestarts).toBe(0);
  });

  it('a roll the child does not answer escalates to SIGTERM at the deadline', () => {
    const h = runningChild();
    h.send(roll('requested by ops', h.now()));
    h.take();
    h.flipsAt(5_000, 'rolling', 'tier2');
    expect(h.take()).toEqual(['announce tier2 +5000 SIGTERM pid 101', 'SIGTERM 101']);
  });

  it('RESTART.UNANSWERED during a roll escalates at once', () => {
    const h = runningChild();
    h.send(roll('requested by ops', h.now()));
    h.take();
    h.advance(2_000);
    h.send(restartUnanswered(101, 'no responders', h.now()));
    expect(h.state()).toBe('tier2');
    expect(h.take()).toEqual(['announce tier2 +2000 SIGTERM pid 101', 'SIGTERM 101']);
  });

  it('a non-cooperative child is rolled with SIGTERM, never asked to restart', () => {
    const h = runningChild({ cooperative: false, name: 'nats' });
    h.send(roll('requested by ops', h.now()));
    expect(h.state()).toBe('tier2');
    expect(h.ctx().reason).toBe('requested by ops');
    expect(h.take()).toEqual([
      'announce rolling +0 requested by ops',
      'announce tier2 +0 SIGTERM pid 101',
      'SIGTERM 101',
    ]);
  });
});

describe('backoff', () => {
  /** Crashes `delays.length` times without tripping, returning each backoff's waitMs and deadline. */
  function backoffs(h: ReturnType<typeof child>, count: number, sample?: number) {
    const seen: Array<{ waitMs: number; deadline: number | undefined; at: number }> = [];
    h.send(start(h.now()));
    for (let i = 0; i < count; i++) {
      h.advance(100);
      h.crash(101 + i, { ready: true, ...(sample === undefined ? {} : { sample }) });
      expect(h.state()).toBe('backoff');
      seen.push({ waitMs: h.ctx().waitMs, deadline: h.ctx().deadline, at: h.now() });
      const wait = h.ctx().waitMs;
      if (wait > 0) {
        h.advance(wait - 1);
        expect(h.state()).toBe('backoff');
      }
      h.advance(wait > 0 ? 1 : 0);
      expect(h.state()).toBe('spawning');
    }
    for (const s of seen) expect(s.deadline).toBe(s.at + s.waitMs);
    return seen.map((s) => s.waitMs);
  }

  it('the first restart is immediate, later ones double up to the cap (jitter 0)', () => {
    const h = child({ settings: noTrip() });
    expect(backoffs(h, 7)).toEqual([0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('announces each wait', () => {
    const h = crashedTwice();
    expect(h.take()).toEqual([
      'announce spawning +0 starting',
      'spawn',
      'announce exited +0 exited with code 1',
      'announce backoff +0 respawn in 0 ms',
      'announce spawning +0 respawning',
      'spawn',
      'announce exited +0 exited with code 1',
      'announce backoff +0 respawn in 1000 ms',
    ]);
  });

  it('jitter samples 0 and 0.999 bound the spread; no sample means the middle', () => {
    const jittered = () => child({ settings: noTrip({ jitter: 0.5 }) });
    expect(backoffs(jittered(), 4, 0)).toEqual([0, 500, 1_000, 2_000]);
    expect(backoffs(jittered(), 4, 0.999)).toEqual([0, 1_499, 2_998, 5_996]);
    expect(backoffs(jittered(), 4)).toEqual([0, 1_000, 2_000, 4_000]);
    // Capped: raw 8000 at most, so at most 8000 × 1.5.
    const capped = backoffs(jittered(), 7, 0.999);
    expect(capped.slice(4)).toEqual([11_992, 11_992, 11_992]);
  });

  it('crashes further apart than the intensity period each restart at once', () => {
    const h = child();
    h.send(start(h.now()));
    for (let i = 0; i < 6; i++) {
      h.advance(61_000);
      h.crash(101 + i, { ready: true });
      expect(h.state()).toBe('backoff');
      expect(h.ctx().waitMs).toBe(0);
      expect(h.ctx().counts.recentFailures).toEqual([h.now()]);
      h.advance(0);
    }
    expect(h.ctx().totalRestarts).toBe(6);
  });
});

describe('restart circuit', () => {
  it('intensity: the 5th restart inside 60 s opens the circuit even though each process became ready', () => {
    const h = child();
    h.send(start(h.now()));
    const crashes: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      h.advance(1_000);
      h.crash(101 + i, { ready: true });
      crashes.push(h.now());
      // Ready reset the consecutive count, so three in a row did not trip it.
      expect(h.state()).toBe('backoff');
      expect(h.ctx().counts.failures).toBe(1);
      waits.push(h.ctx().waitMs);
      h.advance(h.ctx().waitMs);
    }
    expect(waits).toEqual([0, 1_000, 2_000, 4_000]);
    h.take();

    h.advance(1_000);
    h.crash(105, { ready: true });
    crashes.push(h.now());
    expect(h.now() - crashes[0]!).toBeLessThan(60_000);
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().counts).toEqual({ failures: 1, recentFailures: crashes, opens: 1 });
    expect(h.ctx().totalRestarts).toBe(5);
    expect(h.ctx().openUntil).toBe(h.now() + 30_000);
    expect(h.status()).toMatchObject({
      state: 'circuitOpen',
      circuit: 'open',
      pid: null,
      restarts: 5,
      recentRestarts: 5,
      deadline: h.now() + 30_000,
    });
    const at = h.now() - T0;
    expect(h.take()).toEqual([
      'announce ready +' + at + ' pid 105',
      'notify CHILD.READY',
      `announce exited +${at} exited with code 1`,
      `announce circuitOpen +${at} exited with code 1; 1 consecutive, 5 recent failures`,
      'notify CHILD.GAVE_UP',
    ]);
  });

  it('consecutive: three crashes without a ready open the circuit', () => {
    const h = child();
    h.send(start(h.now()));
    h.advance(100);
    h.crash(101);
    expect(h.state()).toBe('backoff');
    h.advance(0);
    h.crash(102);
    expect(h.state()).toBe('backoff');
    h.advance(1_000);
    h.take();
    h.crash(103);
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().counts).toEqual({ failures: 3, recentFailures: [T0 + 100, T0 + 100, T0 + 1_100], opens: 1 });
    expect(h.ctx().deadline).toBe(T0 + 31_100);
    expect(h.ctx().waitMs).toBe(30_000);
    expect(h.take()).toEqual([
      'announce exited +1100 exited with code 1',
      'announce circuitOpen +1100 exited with code 1; 3 consecutive, 3 recent failures',
      'notify CHILD.GAVE_UP',
    ]);
  });

  /** The probe failed: `kill` sent, the circuit announced open again after 4 failures, GAVE_UP told. */
  const expectReopened = (h: ReturnType<typeof child>, kill: string, rel: number, reason: string) =>
    expect(h.take()).toEqual([
      kill,
      `announce circuitOpen +${rel} ${reason}; 4 consecutive, 4 recent failures`,
      'notify CHILD.GAVE_UP',
    ]);

  /** A child whose circuit opened at T0 + 1100 (three quick crashes), its log taken. */
  function opened() {
    const h = crashedThrice(100);
    h.take();
    return h;
  }

  it('goes half-open exactly after openForMs and spawns one probe', () => {
    const h = opened();
    h.flipsAt(30_000, 'circuitOpen', 'halfOpen', { quiet: true });
    expect(h.status()).toMatchObject({ state: 'halfOpen', circuit: 'halfOpen', pid: null, deadline: T0 + 41_100 });
    expect(h.take()).toEqual(['announce halfOpen +31100 probing with one start', 'spawn']);
  });

  it('a healthy probe closes the circuit and clears the counts', () => {
    const h = opened();
    h.advance(30_000);
    h.take();
    h.advance(200);
    h.send(processStarted(201, h.now()));
    expect(h.state()).toBe('halfOpen');
    expect(h.ctx().pid).toBe(201);
    h.send(heartbeat(999, 'boot-999', h.now()));
    expect(h.state()).toBe('halfOpen');
    h.send(heartbeat(201, 'boot-201', h.now()));
    expect(h.state()).toBe('running');
    expect(h.ctx().counts).toEqual({ failures: 0, recentFailures: [], opens: 1 });
    expect(h.ctx().openUntil).toBeUndefined();
    expect(h.status()).toMatchObject({ circuit: 'closed', pid: 201, restarts: 3, recentRestarts: 0, deadline: null });
    expect(h.persisted()).toEqual({
      counts: { failures: 0, recentFailures: [], opens: 1 },
      circuit: 'closed',
      totalRestarts: 3,
    });
    expect(h.take()).toEqual([
      'announce circuitClosed +31300 probe healthy',
      'announce ready +31300 pid 201',
      'notify CHILD.READY',
    ]);

    // Its probe timer is gone, and the next crash restarts at once.
    h.advance(20_000);
    expect(h.state()).toBe('running');
    h.send(processExited(201, 1, null, h.now()));
    expect(h.state()).toBe('backoff');
    expect(h.ctx().waitMs).toBe(0);
  });

  it('a probe that exits re-opens the circuit with a new deadline', () => {
    const h = opened();
    h.advance(30_000);
    h.send(processStarted(201, h.now()));
    h.take();
    h.advance(500);
    h.send(processExited(201, 1, null, h.now()));
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().counts).toEqual({
      failures: 4,
      recentFailures: [T0 + 100, T0 + 100, T0 + 1_100, T0 + 31_600],
      opens: 2,
    });
    expect(h.ctx().totalRestarts).toBe(4);
    expect(h.ctx().openUntil).toBe(T0 + 61_600);
    expect(h.ctx().deadline).toBe(T0 + 61_600);
    // The probe is already gone, so there is no pid to kill.
    expectReopened(h, 'SIGKILL undefined', 31600, 'exited with code 1');
    h.flipsAt(30_000, 'circuitOpen', 'halfOpen');
  });

  it('a probe with no heartbeat within readyTimeout is killed and the circuit re-opens', () => {
    const h = opened();
    h.advance(30_000);
    h.send(processStarted(201, h.now()));
    h.take();
    h.flipsAt(10_000, 'halfOpen', 'circuitOpen');
    expect(h.ctx().reason).toBe('probe sent no heartbeat');
    expect(h.ctx().counts).toMatchObject({ failures: 4, opens: 2 });
    expect(h.ctx().openUntil).toBe(T0 + 71_100);
    expect(h.ctx().pid).toBeUndefined();
    expectReopened(h, 'SIGKILL 201', 41100, 'probe sent no heartbeat');
  });

  it('a probe that cannot be spawned re-opens the circuit', () => {
    const h = opened();
    h.advance(30_000);
    h.take();
    h.send(spawnFailed('ENOENT', h.now()));
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().openUntil).toBe(T0 + 61_100);
    expectReopened(h, 'SIGKILL undefined', 31100, 'probe spawn failed: ENOENT');
  });

  it('CIRCUIT.RESET from circuitOpen respawns at once with cleared counts', () => {
    const h = opened();
    h.advance(1_000);
    h.send(circuitReset(h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.ctx().counts).toEqual({ failures: 0, recentFailures: [], opens: 1 });
    expect(h.ctx().openUntil).toBeUndefined();
    expect(h.take()).toEqual([
      'announce circuitClosed +2100 circuit reset by operator',
      'announce spawning +2100 respawning',
      'spawn',
    ]);
    // The half-open timer was cancelled.
    h.quietFor(60_000, 'spawning');
  });
});

describe('stop', () => {
  /** A running child sent STOP (it is being asked to exit), its log taken. */
  function askedToStop() {
    const h = runningChild();
    h.send(stop(h.now()));
    h.take();
    return h;
  }

  it('asks, then SIGTERM after cooperativeTimeout, then SIGKILL after the grace; the exit stops it', () => {
    const h = runningChild();
    h.advance(1_000);
    h.send(stop(h.now()));
    expect(h.state()).toBe('stopping.asking');
    expect(h.status()).toMatchObject({
      state: 'stopping.asking',
      tier: 0,
      circuit: 'closed',
      pid: 101,
      deadline: T0 + 6_000,
    });
    expect(h.take()).toEqual(['announce stopping +1000 pid 101', 'requestStop 101']);

    h.flipsAt(5_000, 'stopping.asking', 'stopping.terminating');
    expect(h.ctx().deadline).toBe(T0 + 9_000);
    expect(h.take()).toEqual(['SIGTERM 101']);

    h.flipsAt(3_000, 'stopping.terminating', 'stopping.killing');
    expect(h.ctx().deadline).toBe(T0 + 12_000);
    expect(h.take()).toEqual(['SIGKILL 101']);

    h.advance(100);
    h.send(processExited(999, null, 'SIGKILL', h.now()));
    expect(h.state()).toBe('stopping.killing');
    h.send(processExited(101, null, 'SIGKILL', h.now()));
    expect(h.state()).toBe('stopped');
    expect(h.ctx().pid).toBeUndefined();
    expect(h.ctx().deadline).toBeUndefined();
    // A stop is not a failure.
    expect(h.ctx().counts).toEqual({ failures: 0, recentFailures: [], opens: 0 });
    expect(h.ctx().totalRestarts).toBe(0);
    expect(h.take()).toEqual(['announce stopped +9100 stopped', 'notify CHILD.STOPPED']);

    h.quietFor(60_000, 'stopped');
  });

  it('an exit while asking stops at once', () => {
    const h = askedToStop();
    h.advance(700);
    h.send(processExited(101, 0, null, h.now()));
    expect(h.state()).toBe('stopped');
    expect(h.take()).toEqual(['announce stopped +700 stopped', 'notify CHILD.STOPPED']);
  });

  it('an unanswered stop request goes to SIGTERM at once', () => {
    const h = askedToStop();
    h.advance(700);
    h.send(restartUnanswered(101, 'no responders', h.now()));
    expect(h.state()).toBe('stopping.terminating');
    expect(h.ctx().deadline).toBe(T0 + 3_700);
    expect(h.take()).toEqual(['SIGTERM 101']);
  });

  it('gives up waiting after SIGKILL and reports stopped', () => {
    const h = runningChild();
    h.send(stop(h.now()));
    // One step per wait: a single big increment would start each next wait late.
    h.advance(5_000);
    h.advance(3_000);
    h.advance(2_999);
    expect(h.state()).toBe('stopping.killing');
    h.take();
    h.after(1, 'stopped', ['announce stopped +11000 stopped', 'notify CHILD.STOPPED']);
  });

  it('a non-cooperative child is not asked: SIGTERM at once', () => {
    const h = runningChild({ cooperative: false, name: 'nats' });
    h.send(stop(h.now()));
    expect(h.state()).toBe('stopping.terminating');
    expect(h.ctx().deadline).toBe(T0 + 3_000);
    expect(h.take()).toEqual(['announce stopping +0 pid 101', 'SIGTERM 101']);
  });

  it('with no process (backoff, circuitOpen, idle) it stops at once and cancels the pending wait', () => {
    const inBackoff = crashedTwice();
    expect(inBackoff.state()).toBe('backoff');
    expect(inBackoff.ctx().waitMs).toBe(1_000);
    inBackoff.take();
    inBackoff.advance(10);
    inBackoff.send(stop(inBackoff.now()));
    expect(inBackoff.state()).toBe('stopped');
    expect(inBackoff.take()).toEqual(['announce stopped +10 stopped', 'notify CHILD.STOPPED']);
    inBackoff.quietFor(60_000, 'stopped');

    const open = child({
      restored: {
        circuit: 'open',
        openUntil: T0 + 30_000,
        counts: { failures: 3, recentFailures: [], opens: 1 },
        totalRestarts: 3,
      },
    });
    open.send(start(open.now()));
    open.take();
    open.send(stop(open.now()));
    expect(open.state()).toBe('stopped');
    expect(open.take()).toEqual(['announce stopped +0 stopped', 'notify CHILD.STOPPED']);
    open.advance(60_000);
    expect(open.state()).toBe('stopped');

    const idle = child();
    idle.send(stop(idle.now()));
    expect(idle.state()).toBe('stopped');
    expect(idle.take()).toEqual(['announce stopped +0 stopped', 'notify CHILD.STOPPED']);
  });

  it('a process that starts after a STOP during spawning is killed, not left untracked', () => {
    const h = child();
    h.send(start(h.now()));
    expect(h.state()).toBe('spawning');
    h.send(stop(h.now()));
    expect(h.state()).toBe('stopped');
    h.take();
    h.send(processStarted(4242, h.now()));
    expect(h.take()).toEqual(['SIGKILL 4242']);
    expect(h.state()).toBe('stopped');
  });

  it('START after stopped spawns again', () => {
    const h = child();
    h.send(stop(h.now()));
    h.take();
    h.send(start(h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.take()).toEqual(['announce spawning +0 starting', 'spawn']);
  });
});

describe('restored heal state', () => {
  const counts = { failures: 3, recentFailures: [T0 - 3_000, T0 - 2_000, T0 - 1_000], opens: 2 };

  it('an open circuit stays open until openUntil, then probes', () => {
    const restored: PersistedHealState = { circuit: 'open', openUntil: T0 + 30_000, counts, totalRestarts: 9 };
    const h = child({ restored });
    expect(h.state()).toBe('idle');
    h.send(start(h.now()));
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().deadline).toBe(T0 + 30_000);
    expect(h.ctx().waitMs).toBe(30_000);
    // Restoring is not a new opening.
    expect(h.ctx().counts).toEqual(counts);
    expect(h.status()).toMatchObject({ circuit: 'open', restarts: 9, recentRestarts: 3, deadline: T0 + 30_000 });
    expect(h.persisted()).toEqual(restored);
    expect(h.take()).toEqual([
      'announce circuitOpen +0 failing; 3 consecutive, 3 recent failures',
      'notify CHILD.GAVE_UP',
    ]);

    h.flipsAt(30_000, 'circuitOpen', 'halfOpen', { quiet: true });
    expect(h.ctx().deadline).toBe(T0 + 40_000);
    expect(h.take()).toEqual(['announce halfOpen +30000 probing with one start', 'spawn']);
  });

  it('an open circuit whose openUntil has passed probes at once, with deadlines from now', () => {
    const h = child({ restored: { circuit: 'open', openUntil: T0 - 5_000, counts, totalRestarts: 9 } });
    h.send(start(h.now()));
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().waitMs).toBe(0);
    expect(h.ctx().deadline).toBe(T0);
    h.advance(0); // a zero delay still goes through the (simulated) scheduler
    expect(h.state()).toBe('halfOpen');
    expect(h.ctx().deadline).toBe(T0 + 10_000);
    expect(h.take()).toEqual([
      'announce circuitOpen +0 failing; 3 consecutive, 3 recent failures',
      'notify CHILD.GAVE_UP',
      'announce halfOpen +0 probing with one start',
      'spawn',
    ]);
    // The probe's timer and its deadline agree.
    h.flipsAt(10_000, 'halfOpen', 'circuitOpen');
    expect(h.ctx().openUntil).toBe(T0 + 40_000);
    expect(h.ctx().counts.opens).toBe(3);
  });

  it('a closed circuit keeps counting restored failures toward intensity', () => {
    const h = child({
      restored: {
        circuit: 'closed',
        openUntil: T0 + 99_000, // ignored: the circuit is closed
        counts: { failures: 0, recentFailures: [T0 - 50_000, T0 - 40_000, T0 - 30_000, T0 - 20_000], opens: 1 },
        totalRestarts: 4,
      },
    });
    h.send(start(h.now()));
    expect(h.state()).toBe('spawning');
    expect(h.ctx().openUntil).toBeUndefined();
    h.advance(1_000);
    h.crash(101, { ready: true });
    expect(h.state()).toBe('circuitOpen');
    expect(h.ctx().counts).toEqual({
      failures: 1,
      recentFailures: [T0 - 50_000, T0 - 40_000, T0 - 30_000, T0 - 20_000, T0 + 1_000],
      opens: 2,
    });
    expect(h.ctx().totalRestarts).toBe(5);
  });

  it('restored failures that have left the window are pruned, but the rest still set the backoff', () => {
    const h = child({
      restored: {
        circuit: 'closed',
        counts: { failures: 0, recentFailures: [T0 - 70_000, T0 - 40_000, T0 - 30_000, T0 - 20_000], opens: 0 },
        totalRestarts: 4,
      },
    });
    h.send(start(h.now()));
    h.advance(1_000);
    h.crash(101, { ready: true });
    expect(h.state()).toBe('backoff');
    expect(h.ctx().counts.recentFailures).toEqual([T0 - 40_000, T0 - 30_000, T0 - 20_000, T0 + 1_000]);
    expect(h.ctx().waitMs).toBe(4_000);
  });

  it('persistedHealState round-trips an open circuit into a new actor', () => {
    const first = opened3();
    const saved = first.persisted();
    expect(saved).toEqual({
      counts: { failures: 3, recentFailures: [T0, T0, T0 + 1_000], opens: 1 },
      circuit: 'open',
      openUntil: T0 + 31_000,
      totalRestarts: 3,
    });
    const second = child({ restored: saved });
    second.advance(first.now() - second.now());
    second.send(start(second.now()));
    expect(second.state()).toBe('circuitOpen');
    expect(second.ctx().deadline).toBe(T0 + 31_000);
    second.flipsAt(30_000, 'circuitOpen', 'halfOpen');
    // halfOpen persists as not closed, with the openUntil it came from.
    expect(second.persisted()).toEqual({ ...saved, circuit: 'halfOpen' });
  });

  const opened3 = () => crashedThrice(0);
});

describe('childStatus helpers', () => {
  it('maps states to circuits and names nested states', () => {
    expect(circuitOf('circuitOpen')).toBe('open');
    expect(circuitOf('halfOpenFailed')).toBe('open');
    expect(circuitOf('halfOpen')).toBe('halfOpen');
    for (const s of ['idle', 'running', 'tier1', 'backoff', 'stopping.asking', 'stopped'])
      expect(circuitOf(s)).toBe('closed');
  });

  it('reports tier 1, 2 and 3 and nothing else', () => {
    const h = child();
    const tiers: Array<[string, number]> = [];
    const note = () => tiers.push([h.state(), h.status().tier]);
    note();
    h.send(start(h.now()));
    note();
    h.send(processStarted(101, h.now()));
    note();
    h.send(heartbeat(101, 'boot-101', h.now()));
    note();
    h.judge('stale', 101);
    note();
    h.advance(5_000);
    note();
    h.advance(3_000);
    note();
    h.send(processExited(101, null, 'SIGKILL', h.now()));
    note();
    h.send(stop(h.now()));
    note();
    expect(tiers).toEqual([
      ['idle', 0],
      ['spawning', 0],
      ['starting', 0],
      ['running', 0],
      ['tier1', 1],
      ['tier2', 2],
      ['tier3', 3],
      ['backoff', 0],
      ['stopped', 0],
    ]);
  });
});
