// The root machine with real child-supervision machines under it. We play the host: the
// children's side effects are recorded, and we answer them by sending PROCESS.* / HEARTBEAT /
// VERDICT events to the child actors found through the system registry. The clock is simulated
// and every event is stamped clock.now(). Notices the root receives are recorded via inspect.
import { HEAL_SETTINGS, T0 } from '../harness/healSettings.js';
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, type InspectionEvent } from 'xstate';
import { heartbeat, processExited, processStarted, restartAcked, verdict } from '../../machines/childEvents.js';
import { stateName } from '../../machines/childStatus.js';
import { childSupervisionMachine, type ChildInput, type PersistedHealState } from '../../machines/childSupervision.js';
import { supervisorMachine, type ChildActor, type HealStateLoad } from '../../machines/supervisor.js';

const SETTINGS = HEAL_SETTINGS;

const CHILDREN: ChildInput[] = [
  { name: 'nats', cooperative: false, settings: SETTINGS },
  { name: 'watchdog', cooperative: true, settings: SETTINGS },
  { name: 'worker', cooperative: true, settings: SETTINGS },
];

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface TreeOptions {
  restored?: Record<string, PersistedHealState>;
  /** Default 'nats'; null for external NATS (heal state loads before any child). */
  stateStoreChild?: string | null;
  loadFails?: boolean;
}

function tree(options: TreeOptions = {}) {
  const clock = new SimulatedClock();
  clock.set(T0);
  const log: string[] = [];
  const notices: string[] = [];
  const treeKinds: string[] = [];
  const loads: string[][] = [];
  const rel = (at: number) => `+${at - T0}`;

  const child = childSupervisionMachine.provide({
    actions: {
      spawnProcess: ({ context }) => void log.push(`${context.name}: spawn`),
      requestRestart: ({ context }, { pid }) => void log.push(`${context.name}: requestRestart ${pid}`),
      requestStop: ({ context }, { pid }) => void log.push(`${context.name}: requestStop ${pid}`),
      signalProcess: ({ context }, { pid, signal }) => void log.push(`${context.name}: ${signal} ${pid}`),
      announce: () => {},
    },
  });
  const machine = supervisorMachine.provide({
    actors: {
      child,
      loadHealState: fromPromise<HealStateLoad, { names: string[] }>(async ({ input }) => {
        loads.push(input.names);
        if (options.loadFails) throw new Error('kv unavailable');
        return { states: options.restored ?? {}, at: clock.now() };
      }),
    },
    actions: { announceTree: (_, { kind }) => void treeKinds.push(kind) },
  });

  let rootSession = '';
  const stateStoreChild = options.stateStoreChild === undefined ? 'nats' : options.stateStoreChild;
  const actor = createActor(machine, {
    clock,
    input: { children: CHILDREN, ...(stateStoreChild ? { stateStoreChild } : {}), now: T0 },
    inspect: (ie: InspectionEvent) => {
      if (ie.type !== '@xstate.event' || ie.actorRef.sessionId !== rootSession) return;
      const e = ie.event as { type: string; child?: string; at?: number };
      if (e.type.startsWith('CHILD.')) notices.push(`${e.type} ${e.child} ${rel(e.at ?? 0)}`);
    },
  });
  rootSession = actor.sessionId;

  const c = (name: string) => actor.system.get(name) as ChildActor | undefined;
  const must = (name: string) => {
    const ref = c(name);
    if (!ref) throw new Error(`child ${name} not spawned`);
    return ref;
  };
  const t = {
    actor,
    clock,
    log,
    notices,
    treeKinds,
    loads,
    now: () => clock.now(),
    advance: (ms: number) => clock.increment(ms),
    take: () => log.splice(0),
    c,
    childState: (name: string) => stateName(must(name).getSnapshot()),
    childCtx: (name: string) => must(name).getSnapshot().context,
    sup: () => actor.getSnapshot().value,
    supCtx: () => actor.getSnapshot().context,
    started: (name: string, pid: number) => must(name).send(processStarted(pid, clock.now())),
    ready(name: string, pid: number) {
      must(name).send(processStarted(pid, clock.now()));
      must(name).send(heartbeat(pid, `boot-${pid}`, clock.now()));
    },
    beat: (name: string, pid: number) => must(name).send(heartbeat(pid, `boot-${pid}`, clock.now())),
    exit: (name: string, pid: number, code: number | null = 0) =>
      must(name).send(processExited(pid, code, null, clock.now())),
    drift: (name: string, pid: number) =>
      must(name).send(
        verdict({
          actor: name,
          verdict: 'drift',
          pid,
          bootId: `boot-${pid}`,
          evidence: 'runs build b1, disk has b2',
          at: clock.now(),
        }),
      ),
    /** Starts the tree and brings every child up: nats 11, watchdog 21, worker 31. */
    async allRunning() {
      actor.start();
      t.advance(100);
      t.ready('nats', 11);
      await tick();
      t.advance(100);
      t.ready('watchdog', 21);
      t.advance(100);
      t.ready('worker', 31);
      expect(t.sup()).toBe('running');
      t.take();
      notices.splice(0);
    },
  };
  return t;
}

/** Heal state as saved by a child whose circuit opened after three failures. */
const openCircuit = (openUntil: number): PersistedHealState => ({
  circuit: 'open',
  openUntil,
  counts: { failures: 3, recentFailures: [], opens: 1 },
  totalRestarts: 3,
});

/** A tree whose worker was restored with an open circuit, started with nats and watchdog ready. */
async function withWorkerCircuitOpen() {
  const t = tree({
    restored: {
      worker: openCircuit(T0 + 60_000),
    },
  });
  t.actor.start();
  t.ready('nats', 11);
  await tick();
  t.ready('watchdog', 21);
  return t;
}

describe('start', () => {
  it('starts children in order, each after the previous one is ready, and loads heal state after the store child', async () => {
    const restored: Record<string, PersistedHealState> = {
      watchdog: {
        circuit: 'closed',
        counts: { failures: 0, recentFailures: [T0 - 1_000], opens: 0 },
        totalRestarts: 1,
      },
      worker: {
        circuit: 'open',
        openUntil: T0 + 30_000,
        counts: { failures: 3, recentFailures: [T0 - 3_000, T0 - 2_000, T0 - 1_000], opens: 1 },
        totalRestarts: 3,
      },
    };
    const t = tree({ restored });
    t.actor.start();
    expect(t.sup()).toEqual({ starting: 'waitingForReady' });
    expect(t.supCtx().spawned).toEqual(['nats']);
    expect(t.childState('nats')).toBe('spawning');
    expect(t.c('watchdog')).toBeUndefined();
    expect(t.take()).toEqual(['nats: spawn']);

    t.advance(500);
    t.started('nats', 11);
    await tick();
    // Not ready yet: nothing else starts, and the store is not read.
    expect(t.loads).toEqual([]);
    expect(t.c('watchdog')).toBeUndefined();

    t.beat('nats', 11);
    expect(t.childState('nats')).toBe('running');
    expect(t.sup()).toEqual({ starting: 'loadingHealState' });
    expect(t.c('watchdog')).toBeUndefined();
    await tick();
    expect(t.loads).toEqual([['nats', 'watchdog', 'worker']]);
    expect(t.sup()).toEqual({ starting: 'waitingForReady' });
    expect(t.childState('watchdog')).toBe('spawning');
    // Started when the load finished (+500), not at boot: its ready deadline counts from there.
    t.started('watchdog', 21);
    expect(t.childCtx('watchdog').deadline).toBe(T0 + 500 + SETTINGS.readyTimeoutMs);
    expect(t.childCtx('watchdog').counts).toEqual(restored.watchdog!.counts);
    expect(t.childCtx('watchdog').totalRestarts).toBe(1);
    expect(t.c('worker')).toBeUndefined();
    expect(t.take()).toEqual(['watchdog: spawn']);

    t.advance(500);
    t.beat('watchdog', 21);
    // The restored open circuit keeps the worker from spawning at all, and does not hold up the tree.
    expect(t.childState('worker')).toBe('circuitOpen');
    expect(t.childCtx('worker').openUntil).toBe(T0 + 30_000);
    expect(t.childCtx('worker').deadline).toBe(T0 + 30_000);
    expect(t.childCtx('worker').counts).toEqual(restored.worker!.counts);
    expect(t.sup()).toBe('running');
    expect(t.supCtx().spawned).toEqual(['nats', 'watchdog', 'worker']);
    expect(t.take()).toEqual([]);
    expect(t.notices).toEqual(['CHILD.READY nats +500', 'CHILD.READY watchdog +1000', 'CHILD.GAVE_UP worker +1000']);
    expect(t.treeKinds).toEqual(['starting', 'running']);

    t.advance(28_999);
    expect(t.childState('worker')).toBe('circuitOpen');
    t.advance(1);
    expect(t.childState('worker')).toBe('halfOpen');
    expect(t.take()).toEqual(['worker: spawn']);
  });

  it('with external NATS (no store child) loads heal state before the first child', async () => {
    const t = tree({
      stateStoreChild: null,
      restored: {
        nats: openCircuit(T0 + 10_000),
      },
    });
    t.actor.start();
    expect(t.sup()).toEqual({ starting: 'loadingHealState' });
    expect(t.c('nats')).toBeUndefined();
    await tick();
    expect(t.loads).toEqual([['nats', 'watchdog', 'worker']]);
    // nats came up restored-open: the next child starts at once.
    expect(t.childState('nats')).toBe('circuitOpen');
    expect(t.childState('watchdog')).toBe('spawning');
    expect(t.take()).toEqual(['watchdog: spawn']);
  });

  it('an unreadable store starts the rest with fresh heal state', async () => {
    const t = tree({ loadFails: true });
    t.actor.start();
    t.ready('nats', 11);
    await tick();
    expect(t.loads).toHaveLength(1);
    expect(t.childState('watchdog')).toBe('spawning');
    expect(t.childCtx('watchdog').counts).toEqual({ failures: 0, recentFailures: [], opens: 0 });
    expect(t.supCtx().stateLoaded).toBe(true);
  });

  it('a child whose circuit opens during start does not block the next', async () => {
    const t = tree();
    t.actor.start();
    t.ready('nats', 11);
    await tick();
    t.take();

    t.advance(100);
    t.started('watchdog', 21);
    t.exit('watchdog', 21, 1);
    t.advance(0);
    t.started('watchdog', 22);
    t.exit('watchdog', 22, 1);
    expect(t.childState('watchdog')).toBe('backoff');
    expect(t.c('worker')).toBeUndefined();
    t.advance(1_000);
    t.started('watchdog', 23);
    t.exit('watchdog', 23, 1);
    expect(t.childState('watchdog')).toBe('circuitOpen');
    expect(t.childState('worker')).toBe('spawning');
    expect(t.sup()).toEqual({ starting: 'waitingForReady' });
    expect(t.take()).toEqual(['watchdog: spawn', 'watchdog: spawn', 'worker: spawn']);
    expect(t.notices).toEqual(['CHILD.READY nats +0', 'CHILD.GAVE_UP watchdog +1100']);

    t.ready('worker', 31);
    expect(t.sup()).toBe('running');
  });

  it('a GAVE_UP reached through a timeout carries the time it happened', async () => {
    const t = tree();
    t.actor.start();
    t.ready('nats', 11);
    await tick();
    // Three starts that never report ready and never exit: ready timeout, SIGKILL, give up.
    for (let pid = 21; pid <= 23; pid++) {
      t.started('watchdog', pid);
      t.advance(10_000);
      expect(t.childState('watchdog')).toBe('tier3');
      t.advance(3_000);
      if (pid < 23) {
        expect(t.childState('watchdog')).toBe('backoff');
        t.advance(t.childCtx('watchdog').waitMs);
      }
    }
    expect(t.childState('watchdog')).toBe('circuitOpen');
    const openedAt = t.now();
    expect(openedAt).toBe(T0 + 13_000 + 13_000 + 1_000 + 13_000);
    expect(t.notices.at(-1)).toBe(`CHILD.GAVE_UP watchdog +${openedAt - T0}`);
    expect(t.childState('worker')).toBe('spawning');
    expect(t.childCtx('watchdog').deadline).toBe(openedAt + 30_000);
  });
});

describe('running', () => {
  it('rolls drifted children one at a time: the second ROLL only after the first child is ready again', async () => {
    const t = tree();
    await t.allRunning();

    t.advance(1_000);
    t.drift('watchdog', 21);
    expect(t.childState('watchdog')).toBe('rolling');
    expect(t.supCtx().rolling).toBe('watchdog');
    expect(t.take()).toEqual(['watchdog: requestRestart 21']);

    t.drift('worker', 31);
    t.drift('worker', 31); // reported again while queued: still one roll
    expect(t.childState('worker')).toBe('running');
    expect(t.supCtx().rollQueue).toEqual(['worker']);
    expect(t.take()).toEqual([]);

    t.advance(500);
    t.exit('watchdog', 21);
    expect(t.childState('watchdog')).toBe('spawning');
    t.started('watchdog', 22);
    expect(t.childState('worker')).toBe('running');
    expect(t.take()).toEqual(['watchdog: spawn']);

    t.advance(500);
    t.beat('watchdog', 22);
    expect(t.childState('watchdog')).toBe('running');
    expect(t.childState('worker')).toBe('rolling');
    expect(t.supCtx().rolling).toBe('worker');
    expect(t.supCtx().rollQueue).toEqual([]);
    expect(t.childCtx('worker').reason).toBe('build drift');
    expect(t.take()).toEqual(['worker: requestRestart 31']);

    t.exit('worker', 31);
    t.ready('worker', 32);
    expect(t.supCtx().rolling).toBeUndefined();
    expect(t.take()).toEqual(['worker: spawn']);
    // Rolls are not failures.
    expect(t.childCtx('watchdog').totalRestarts).toBe(0);
    expect(t.childCtx('worker').totalRestarts).toBe(0);
    expect(t.notices).toEqual([
      'CHILD.DRIFT watchdog +1300',
      'CHILD.DRIFT worker +1300',
      'CHILD.DRIFT worker +1300',
      'CHILD.READY watchdog +2300',
      'CHILD.READY worker +2300',
    ]);
  });

  it('a child that defers its restart (a busy runner) does not hold the roll of the others', async () => {
    const t = tree();
    await t.allRunning();
    t.drift('worker', 31);
    t.drift('watchdog', 21);
    expect(t.supCtx().rolling).toBe('worker');
    expect(t.take()).toEqual(['worker: requestRestart 31']);

    // The worker is mid-mission: it restarts when the mission ends. The watchdog rolls now.
    t.c('worker')!.send(restartAcked(31, t.now(), true));
    expect(t.childState('worker')).toBe('rollingDeferred');
    expect(t.childState('watchdog')).toBe('rolling');
    expect(t.take()).toEqual(['watchdog: requestRestart 21']);
    t.exit('watchdog', 21);
    t.ready('watchdog', 22);
    expect(t.supCtx().rolling).toBeUndefined();

    // The mission ends: the worker exits and comes back on the new build, still not a failure.
    t.exit('worker', 31);
    t.ready('worker', 32);
    expect(t.childState('worker')).toBe('running');
    expect(t.childCtx('worker').totalRestarts).toBe(0);
  });

  it('RESTART_CHILD sends ROLL to that child only; unknown children are ignored', async () => {
    const t = tree();
    await t.allRunning();
    t.actor.send({ type: 'RESTART_CHILD', child: 'nope', reason: 'typo', at: t.now() });
    t.actor.send({ type: 'RESTART_CHILD', child: 'worker', reason: 'requested by ops', at: t.now() });
    expect(t.childState('worker')).toBe('rolling');
    expect(t.childCtx('worker').reason).toBe('requested by ops');
    expect(t.childState('watchdog')).toBe('running');
    expect(t.take()).toEqual(['worker: requestRestart 31']);

    // nats does not speak the control protocol: it is rolled with SIGTERM.
    t.actor.send({ type: 'RESTART_CHILD', child: 'nats', reason: 'requested by ops', at: t.now() });
    expect(t.childState('nats')).toBe('tier2');
    expect(t.take()).toEqual(['nats: SIGTERM 11']);
  });

  it('RESET_CIRCUIT respawns a child whose circuit is open', async () => {
    const t = await withWorkerCircuitOpen();
    expect(t.sup()).toBe('running');
    expect(t.childState('worker')).toBe('circuitOpen');
    t.take();
    t.actor.send({ type: 'RESET_CIRCUIT', child: 'worker', at: t.now() });
    expect(t.childState('worker')).toBe('spawning');
    expect(t.take()).toEqual(['worker: spawn']);
  });
});

describe('stop', () => {
  it('stops children in reverse order, each only after the previous one reported stopped', async () => {
    const t = tree();
    await t.allRunning();
    const readyAt = t.now() - T0;

    t.advance(1_000);
    t.actor.send({ type: 'STOP', at: t.now() });
    expect(t.sup()).toEqual({ stopping: 'waitingForStop' });
    expect(t.childState('worker')).toBe('stopping.asking');
    expect(t.childState('watchdog')).toBe('running');
    expect(t.childState('nats')).toBe('running');
    expect(t.take()).toEqual(['worker: requestStop 31']);

    // The worker ignores the request: SIGTERM, then SIGKILL; the others keep running meanwhile.
    t.advance(5_000);
    t.advance(3_000);
    expect(t.take()).toEqual(['worker: SIGTERM 31', 'worker: SIGKILL 31']);
    expect(t.childState('watchdog')).toBe('running');
    t.advance(500);
    t.exit('worker', 31);
    expect(t.childState('worker')).toBe('stopped');
    expect(t.childState('watchdog')).toBe('stopping.asking');
    expect(t.childCtx('watchdog').deadline).toBe(t.now() + 5_000);
    expect(t.childState('nats')).toBe('running');
    expect(t.take()).toEqual(['watchdog: requestStop 21']);

    // The watchdog never exits: the child gives up after SIGKILL and reports stopped at that time.
    t.advance(5_000);
    t.advance(3_000);
    expect(t.childState('nats')).toBe('running');
    t.advance(3_000);
    expect(t.childState('watchdog')).toBe('stopped');
    // nats is not asked; its wait starts when the watchdog reported stopped.
    expect(t.childState('nats')).toBe('stopping.terminating');
    expect(t.childCtx('nats').deadline).toBe(t.now() + 3_000);
    expect(t.take()).toEqual(['watchdog: SIGTERM 21', 'watchdog: SIGKILL 21', 'nats: SIGTERM 11']);
    expect(t.sup()).toEqual({ stopping: 'waitingForStop' });

    t.advance(200);
    t.exit('nats', 11);
    expect(t.sup()).toBe('stopped');
    expect(t.actor.getSnapshot().status).toBe('done');
    expect(t.treeKinds).toEqual(['starting', 'running', 'stopping', 'stopped']);
    const base = Number(readyAt);
    expect(t.notices).toEqual([
      `CHILD.STOPPED worker +${base + 9_500}`,
      `CHILD.STOPPED watchdog +${base + 20_500}`,
      `CHILD.STOPPED nats +${base + 20_700}`,
    ]);
  });

  it('STOP during start stops only the children already spawned', async () => {
    const t = tree();
    t.actor.start();
    t.ready('nats', 11);
    expect(t.sup()).toEqual({ starting: 'loadingHealState' });
    t.take();
    t.actor.send({ type: 'STOP', at: t.now() });
    expect(t.sup()).toEqual({ stopping: 'waitingForStop' });
    expect(t.childState('nats')).toBe('stopping.terminating');
    expect(t.take()).toEqual(['nats: SIGTERM 11']);
    await tick();
    // The heal-state load was abandoned: nothing else starts.
    expect(t.c('watchdog')).toBeUndefined();
    t.exit('nats', 11);
    expect(t.sup()).toBe('stopped');
    expect(t.supCtx().spawned).toEqual(['nats']);
  });

  it('a child with no process stops at once and the next one is stopped in the same step', async () => {
    const t = await withWorkerCircuitOpen();
    t.take();
    t.actor.send({ type: 'STOP', at: t.now() });
    expect(t.childState('worker')).toBe('stopped');
    expect(t.childState('watchdog')).toBe('stopping.asking');
    expect(t.take()).toEqual(['watchdog: requestStop 21']);
  });
});
