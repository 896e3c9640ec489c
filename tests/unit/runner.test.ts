// The runner machine with its side effects as controllable promises: each test decides when a
// claim, a prepare, an agent run, a pipeline or a finish completes, and how.
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
import { runnerMachine, type AgentOutcome } from '../../machines/runner.js';
import type { Mission } from '../../src/contracts/index.js';

const mission = (id: string): Mission => ({
  id,
  text: 'fix it',
  project: 'app',
  kind: 'free',
  source: 'cli',
  status: 'running',
  order: 0,
  attempts: 1,
  transientAttempts: 0,
  maxAttempts: 3,
  maxTransientAttempts: 6,
  createdAt: 1,
  updatedAt: 2,
  startedAt: 2,
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
/** `n` turns of the event loop: each promise step of the runner's actors takes one. */
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await tick();
};
/** MISSION.AVAILABLE, then the two turns a claim and the agent start take. */
const announceAndSettle = async (r: { actor: { send: (event: { type: 'MISSION.AVAILABLE' }) => void } }) => {
  r.actor.send({ type: 'MISSION.AVAILABLE' });
  await ticks(2);
};

function runner(options: { startPaused?: boolean; claims?: Array<Mission | undefined> } = {}) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const claims = [...(options.claims ?? [])];
  let agent = deferred<AgentOutcome>();
  const aborted: string[] = [];
  const finished: Array<{ id: string; outcome: string }> = [];
  const pipelinesFinished: Array<{ id: string; pipeline: unknown }> = [];
  const machine = runnerMachine.provide({
    actors: {
      claimMission: fromPromise(async () => {
        log.push('claim');
        return claims.shift();
      }),
      prepareWorkspace: fromPromise(async ({ input }) => {
        log.push(`prepare ${input.mission.id}`);
        return { worktree: `/wt/${input.mission.id}` };
      }),
      runAgent: fromPromise(async ({ input, signal }) => {
        log.push(`agent ${input.mission.id} in ${input.worktree}`);
        signal.addEventListener('abort', () => aborted.push(input.mission.id));
        return agent.promise;
      }),
      runPipeline: fromPromise(async ({ input }) => {
        log.push(`pipeline ${input.mission.id}`);
        return { steps: ['push'], of: input.mission.id };
      }),
      finishMission: fromPromise(async ({ input }) => {
        finished.push({ id: input.mission.id, outcome: input.outcome.outcome });
        pipelinesFinished.push({ id: input.mission.id, pipeline: input.pipeline });
        log.push(`finish ${input.mission.id} ${input.outcome.outcome}`);
      }),
      keepLease: fromCallback(({ input }) => {
        log.push(`lease+ ${input.mission.id}`);
        return () => log.push(`lease- ${input.mission.id}`);
      }),
    },
  });
  const actor = createActor(machine, {
    clock,
    input: {
      name: 'runner-1',
      pollIntervalMs: 1000,
      startPaused: options.startPaused ?? false,
      breaker: { maxConsecutiveFailures: 2, openForMs: 60_000 },
      now: 0,
    },
  });
  actor.start();
  return {
    actor,
    clock,
    log,
    aborted,
    finished,
    pipelinesFinished,
    state: () => actor.getSnapshot().value,
    ctx: () => actor.getSnapshot().context,
    completeAgent: (outcome: Partial<AgentOutcome> = {}) => {
      agent.resolve({ outcome: 'success', summary: 'ok', at: 100, ...outcome });
      agent = deferred<AgentOutcome>();
    },
  };
}

describe('runner machine', () => {
  it('polls, claims, prepares, runs, runs the pipeline, finishes, claims the next at once and goes back to idle', async () => {
    const r = runner({ claims: [undefined, mission('m1')] });
    expect(r.state()).toBe('idle');
    r.clock.increment(999);
    expect(r.log).toEqual([]);
    r.clock.increment(1);
    await tick();
    expect(r.log).toEqual(['claim']);
    expect(r.state()).toBe('idle'); // nothing to claim
    await announceAndSettle(r);
    expect(r.state()).toEqual({ busy: 'running' });
    r.completeAgent();
    await ticks(3);
    expect(r.state()).toBe('idle');
    // After a mission it claims again at once (here: nothing left) instead of waiting a poll.
    expect(r.log).toEqual([
      'claim',
      'claim',
      'lease+ m1',
      'prepare m1',
      'agent m1 in /wt/m1',
      'pipeline m1',
      'finish m1 success',
      'lease- m1',
      'claim',
    ]);
    expect(r.ctx().completed).toBe(1);
  });

  it('a failed agent run skips the pipeline and records the outcome', async () => {
    const r = runner({ claims: [mission('m1')] });
    await announceAndSettle(r);
    r.completeAgent({ outcome: 'permanent', error: 'boom' });
    await tick();
    await tick();
    expect(r.finished).toEqual([{ id: 'm1', outcome: 'permanent' }]);
    expect(r.log).not.toContain('pipeline m1');
  });

  it("a mission claimed straight after another never sees the previous one's pipeline result", async () => {
    // Chaos run 4: a failed mission's notice carried the report of the mission before it.
    const r = runner({ claims: [mission('m1'), mission('m2')] });
    await announceAndSettle(r);
    r.completeAgent();
    await ticks(4);
    expect(r.state()).toEqual({ busy: 'running' });
    r.completeAgent({ outcome: 'permanent', error: 'killed' });
    await ticks(3);
    expect(r.pipelinesFinished).toEqual([
      { id: 'm1', pipeline: { steps: ['push'], of: 'm1' } },
      { id: 'm2', pipeline: undefined },
    ]);
  });

  it('cancelling the running mission stops the agent at once and records cancelled', async () => {
    const r = runner({ claims: [mission('m1')] });
    await announceAndSettle(r);
    expect(r.state()).toEqual({ busy: 'running' });
    r.actor.send({ type: 'MISSION.CANCELLED', id: 'other' });
    expect(r.aborted).toEqual([]);
    r.actor.send({ type: 'MISSION.CANCELLED', id: 'm1' });
    expect(r.aborted).toEqual(['m1']);
    await tick();
    expect(r.finished).toEqual([{ id: 'm1', outcome: 'cancelled' }]);
    expect(r.state()).toBe('idle');
  });

  it('a lost lease stops the agent too', async () => {
    const r = runner({ claims: [mission('m1')] });
    await announceAndSettle(r);
    r.actor.send({ type: 'LEASE.LOST', id: 'm1', reason: 'reclaimed' });
    expect(r.aborted).toEqual(['m1']);
  });

  it('starts paused, does not claim while paused, and resumes', async () => {
    const r = runner({ startPaused: true, claims: [mission('m1')] });
    expect(r.state()).toBe('paused');
    r.clock.increment(5000);
    r.actor.send({ type: 'MISSION.AVAILABLE' });
    await tick();
    expect(r.log).toEqual([]);
    r.actor.send({ type: 'DISPATCH.RESUMED' });
    expect(r.state()).toBe('idle');
    await announceAndSettle(r);
    expect(r.state()).toEqual({ busy: 'running' });
  });

  it('a pause during a mission lets it finish, then stays paused', async () => {
    const r = runner({ claims: [mission('m1')] });
    await announceAndSettle(r);
    r.actor.send({ type: 'DISPATCH.PAUSED' });
    expect(r.state()).toEqual({ busy: 'running' });
    r.completeAgent();
    await ticks(3);
    expect(r.state()).toBe('paused');
  });

  it('drain during a mission finishes it first, then stops', async () => {
    const r = runner({ claims: [mission('m1')] });
    await announceAndSettle(r);
    r.actor.send({ type: 'DRAIN' });
    expect(r.aborted).toEqual([]);
    r.completeAgent();
    await ticks(3);
    expect(r.finished).toEqual([{ id: 'm1', outcome: 'success' }]);
    expect(r.actor.getSnapshot().status).toBe('done');
  });

  it('consecutive transient failures open the dispatch breaker; half-open probes one mission', async () => {
    const r = runner({ claims: [mission('m1'), mission('m2'), mission('m3')] });
    for (const id of ['m1', 'm2']) {
      await announceAndSettle(r);
      r.completeAgent({ outcome: 'transient', error: '529 overloaded', at: 100 });
      await tick();
      await tick();
      expect(r.finished.at(-1)).toEqual({ id, outcome: 'transient' });
    }
    expect(r.state()).toBe('breakerOpen');
    r.actor.send({ type: 'MISSION.AVAILABLE' });
    await tick();
    expect(r.log.filter((l) => l === 'claim')).toHaveLength(2);
    // The breaker opened at the failure's time (100); it half-opens openForMs later.
    r.clock.increment(60_000);
    await tick();
    await tick();
    expect(r.state()).toEqual({ busy: 'running' });
    r.completeAgent({ outcome: 'success', at: 70_000 });
    await ticks(3);
    expect(r.state()).toBe('idle');
    expect(r.ctx().breakerOpen).toBe(false);
  });

  it('a breaker that half-opens while dispatch is paused (or held) waits for the resume before its trial claim', async () => {
    const r = runner({ claims: [mission('m1'), mission('m2'), mission('m3')] });
    for (const _ of ['m1', 'm2']) {
      await announceAndSettle(r);
      r.completeAgent({ outcome: 'transient', error: '429 rate limited', at: 100 });
      await ticks(2);
    }
    expect(r.state()).toBe('breakerOpen');
    r.actor.send({ type: 'DISPATCH.PAUSED', until: 90_000 });
    r.clock.increment(60_000);
    await ticks(2);
    expect(r.state()).toBe('paused');
    expect(r.log.filter((l) => l === 'claim')).toHaveLength(2);
    r.actor.send({ type: 'DISPATCH.RESUMED' });
    expect(r.state()).toBe('idle');
    r.clock.increment(1000); // the next poll
    await ticks(2);
    expect(r.state()).toEqual({ busy: 'running' });
    expect(r.log.filter((l) => l === 'claim')).toHaveLength(3);
  });
});
