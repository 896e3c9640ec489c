// One supervised child process, from start to stop. Its states are the heal tiers and the
// restart circuit, so an inspector shows exactly where each child is
// (docs/supervision.md#child-supervision-states). This file is the state chart; the actions,
// guards and repeated shapes are in childSupervisionSetup.ts, the circuit states in
// childCircuitStates.ts, the types in childSupervisionTypes.ts.
//
// Pure: every side effect is a named action the actor host provides (spawnProcess,
// requestRestart, requestStop, signalProcess, announce), every event carries its time, and
// every wait is also a deadline in context so it can be persisted, shown and restored.
import { and, assign, enqueueActions, not } from 'xstate';
import { emptyCounts, recordSuccess } from './circuitRules.js';
import { childCircuitStates } from './childCircuitStates.js';
import { announce, childSetup, exitTo, sendSignal, waitFor } from './childSupervisionSetup.js';
import { timeOf } from './childSupervisionTypes.js';

export type {
  ChildContext,
  ChildInput,
  CircuitState,
  HealSettings,
  PersistedHealState,
} from './childSupervisionTypes.js';

export const childSupervisionMachine = childSetup.createMachine({
  id: 'child',
  context: ({ input }) => ({
    name: input.name,
    cooperative: input.cooperative,
    settings: input.settings,
    counts: input.restored?.counts ?? emptyCounts(),
    totalRestarts: input.restored?.totalRestarts ?? 0,
    restarted: false,
    waitMs: 0,
    ...(input.restored?.circuit !== 'closed' && input.restored?.openUntil !== undefined
      ? { openUntil: input.restored.openUntil }
      : {}),
  }),
  initial: 'idle',
  on: {
    STOP: [
      { guard: and(['hasProcess', 'isCooperative']), target: '.stopping' },
      // A child that does not speak the control protocol is not asked to stop: SIGTERM at once.
      { guard: 'hasProcess', target: '.stopping.terminating' },
      { target: '.stopped' },
    ],
    'CIRCUIT.RESET': {
      target: '.spawning',
      actions: [
        assign({
          counts: ({ context }) => recordSuccess({ ...context.counts, recentFailures: [] }),
          openUntil: undefined,
        }),
        {
          type: 'announce',
          params: ({ event }) => ({ kind: 'circuitClosed', detail: 'circuit reset by operator', at: event.at }),
        },
      ],
    },
  },
  states: {
    idle: {
      on: {
        START: [
          // A circuit that was open when the supervisor went down stays open for the rest of its time.
          { guard: 'restoredOpen', target: 'circuitOpen' },
          { target: 'spawning' },
        ],
      },
    },

    spawning: {
      entry: [
        assign({ pid: undefined, bootId: undefined }),
        announce('spawning', (context) => (context.restarted ? 'respawning' : 'starting')),
        'spawnProcess',
      ],
      on: {
        'PROCESS.STARTED': { target: 'starting', actions: assign({ pid: ({ event }) => event.pid }) },
        'PROCESS.SPAWN_FAILED': {
          target: 'crashed',
          actions: assign({ reason: ({ event }) => `spawn failed: ${event.error}` }),
        },
      },
    },

    starting: {
      entry: waitFor('readyTimeoutMs'),
      after: {
        wait: { target: 'tier3', actions: assign({ reason: 'no heartbeat after start' }) },
      },
      on: {
        HEARTBEAT: { guard: 'isCurrentProcess', target: 'running' },
        'PROCESS.EXITED': exitTo('crashed'),
      },
    },

    running: {
      entry: [
        assign({
          deadline: undefined,
          bootId: ({ event }) => (event.type === 'HEARTBEAT' ? event.bootId : undefined),
          counts: ({ context }) => (context.restarted ? recordSuccess(context.counts) : context.counts),
          restarted: false,
        }),
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'ready',
            detail: `pid ${context.pid}`,
            at: timeOf(context, event),
            ...(context.pid ? { pid: context.pid } : {}),
          }),
        },
        { type: 'notifyParent', params: { type: 'CHILD.READY' } },
      ],
      on: {
        VERDICT: [
          { guard: 'isDeadVerdict', target: 'tier3', actions: 'noteVerdict' },
          { guard: and(['isUnhealthyVerdict', 'isCooperative']), target: 'tier1', actions: 'noteVerdict' },
          // Tier 1 is a request over the control protocol; a non-cooperative child starts at tier 2.
          { guard: 'isUnhealthyVerdict', target: 'tier2', actions: 'noteVerdict' },
          {
            guard: 'isDriftVerdict',
            actions: ['noteVerdict', { type: 'notifyParent', params: { type: 'CHILD.DRIFT' } }],
          },
        ],
        ROLL: { target: 'rolling', actions: assign({ reason: ({ event }) => event.reason }) },
        'PROCESS.EXITED': exitTo('crashed'),
      },
    },

    // A restart that is not a failure: drift after an update, or an operator's /restart.
    rolling: {
      entry: [
        announce('rolling', (context) => context.reason ?? 'restart'),
        waitFor('cooperativeTimeoutMs'),
        // A child that does not speak the control protocol is not asked: `always` takes it to tier2.
        enqueueActions(({ context, enqueue }) => {
          if (context.cooperative) enqueue({ type: 'requestRestart', params: { pid: context.pid! } });
        }),
      ],
      always: { guard: not('isCooperative'), target: 'tier2' },
      after: { wait: 'tier2' },
      on: {
        'RESTART.ACKED': {
          guard: ({ context, event }) => event.pid === context.pid && event.deferred === true,
          target: 'rollingDeferred',
        },
        'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'tier2' },
        'PROCESS.EXITED': exitTo('spawning'),
      },
    },

    // The actor restarts when its current work ends (a runner mid-mission): no escalation for
    // taking its time, but it is still watched — a hang while waiting is healed as usual.
    rollingDeferred: {
      entry: [
        announce('rolling', () => 'deferred until the current work ends'),
        assign({ deadline: undefined }),
        // The roll queue moves on: a busy runner must not hold every other actor on the old build.
        { type: 'notifyParent', params: { type: 'CHILD.DEFERRED' } },
      ],
      on: {
        VERDICT: [
          { guard: 'isDeadVerdict', target: 'tier3', actions: 'noteVerdict' },
          { guard: 'isUnhealthyVerdict', target: 'tier1', actions: 'noteVerdict' },
        ],
        'PROCESS.EXITED': exitTo('spawning'),
      },
    },

    // The heal ladder: ask (tier 1), SIGTERM (tier 2), SIGKILL (tier 3).
    tier1: {
      entry: [
        announce('tier1', (context) => `cooperative restart (${context.reason})`),
        waitFor('cooperativeTimeoutMs'),
        { type: 'requestRestart', params: ({ context }) => ({ pid: context.pid! }) },
      ],
      always: { guard: not('isCooperative'), target: 'tier2' },
      after: { wait: 'tier2' },
      on: {
        // The process answers again: whatever stalled it has passed.
        HEARTBEAT: { guard: 'isCurrentProcess', target: 'running' },
        'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'tier2' },
        'PROCESS.EXITED': exitTo('crashed'),
      },
    },

    tier2: {
      entry: [
        announce('tier2', (context) => `SIGTERM pid ${context.pid}`),
        waitFor('sigtermGraceMs'),
        sendSignal('SIGTERM'),
      ],
      after: { wait: 'tier3' },
      on: { 'PROCESS.EXITED': exitTo('crashed') },
    },

    tier3: {
      entry: [
        announce('tier3', (context) => `SIGKILL pid ${context.pid ?? 'none'} (${context.reason})`),
        waitFor('sigtermGraceMs'),
        sendSignal('SIGKILL'),
      ],
      // A process that cannot be reaped even by SIGKILL is given up on after the grace.
      after: { wait: { target: 'crashed', actions: assign({ reason: 'no exit after SIGKILL' }) } },
      on: { 'PROCESS.EXITED': exitTo('crashed') },
    },

    // crashed, backoff, circuitOpen, halfOpen, halfOpenFailed
    ...childCircuitStates,

    stopping: {
      initial: 'asking',
      entry: announce('stopping', (context) => `pid ${context.pid}`),
      on: {
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'stopped', actions: assign({ pid: undefined }) },
      },
      states: {
        asking: {
          entry: [
            waitFor('cooperativeTimeoutMs'),
            { type: 'requestStop', params: ({ context }) => ({ pid: context.pid! }) },
          ],
          always: { guard: not('isCooperative'), target: 'terminating' },
          after: { wait: 'terminating' },
          on: { 'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'terminating' } },
        },
        terminating: {
          entry: [waitFor('sigtermGraceMs'), sendSignal('SIGTERM')],
          after: { wait: 'killing' },
        },
        killing: {
          entry: [waitFor('sigtermGraceMs'), sendSignal('SIGKILL')],
          after: { wait: '#child.stopped' },
        },
      },
    },

    stopped: {
      entry: [
        announce('stopped', () => 'stopped'),
        { type: 'notifyParent', params: { type: 'CHILD.STOPPED' } },
        assign({ pid: undefined, deadline: undefined }),
      ],
      on: {
        START: 'spawning',
        // Told to stop while a spawn was on its way: the process arrives after the fact.
        'PROCESS.STARTED': {
          actions: { type: 'signalProcess', params: ({ event }) => ({ pid: event.pid, signal: 'SIGKILL' as const }) },
        },
      },
    },
  },
});
