// One supervised child process, from start to stop. Its states are the heal tiers and the
// restart circuit, so an inspector shows exactly where each child is (DESIGN §4):
//
//   spawning → starting ─heartbeat→ running ─unhealthy→ tier1 (cooperative restart)
//                                       │                 │ unanswered / no heartbeat in time
//                                       │               tier2 (SIGTERM, then wait grace)
//                                       │                 │ still alive
//                                       │               tier3 (SIGKILL)
//          process exit (any state) → crashed → backoff → spawning, or → circuitOpen
//          circuitOpen ─openFor→ halfOpen (one probe) ─heartbeat→ running | ─fails→ circuitOpen
//
// Pure: every side effect is a named action the actor host provides (spawnProcess,
// requestRestart, requestStop, signalProcess, announce), every event carries its time, and
// every wait is also a deadline in context so it can be persisted, shown and restored.
import { and, assign, enqueueActions, sendParent, setup } from 'xstate';
import { backoffDelay, type BackoffSettings } from './backoff.js';
import type { AnnouncementKind, ChildEvent, ChildNotice } from './childEvents.js';
import {
  emptyCounts,
  recordFailure,
  recordOpen,
  recordSuccess,
  shouldTrip,
  type CircuitCounts,
  type CircuitRules,
} from './circuitRules.js';
import type { Verdict } from '../src/contracts/index.js';
import { isUnhealthy } from './liveness.js';

export interface HealSettings {
  readyTimeoutMs: number;
  ackTimeoutMs: number;
  cooperativeTimeoutMs: number;
  sigtermGraceMs: number;
  backoff: BackoffSettings;
  circuit: CircuitRules;
}

export type CircuitState = 'closed' | 'open' | 'halfOpen';

/** What survives a supervisor restart (stored in KV), so a crash loop is not forgotten. */
export interface PersistedHealState {
  counts: CircuitCounts;
  circuit: CircuitState;
  openUntil?: number;
  totalRestarts: number;
}

export interface ChildInput {
  name: string;
  /** False for children that do not speak roshi's control protocol (nats-server): tier 1 is skipped. */
  cooperative: boolean;
  settings: HealSettings;
  restored?: PersistedHealState;
}

export interface ChildContext {
  name: string;
  cooperative: boolean;
  settings: HealSettings;
  pid?: number;
  bootId?: string;
  counts: CircuitCounts;
  totalRestarts: number;
  /** Set while a restarted process has not yet proved healthy. */
  restarted: boolean;
  openUntil?: number;
  /** End of the current wait (tier cooldown, backoff, open circuit), ms since the epoch. */
  deadline?: number;
  waitMs: number;
  lastVerdict?: Verdict;
  lastExit?: { code: number | null; signal: string | null; at: number };
  reason?: string;
}

type Signal = 'SIGTERM' | 'SIGKILL';
type Notice = ChildNotice['type'];

/** The time an event happened; delayed (after) events carry none, they fire at the deadline. */
const timeOf = (context: ChildContext, event: ChildEvent | { type: string; at?: number }): number =>
  'at' in event && typeof event.at === 'number' ? event.at : (context.deadline ?? 0);

export const childSupervisionMachine = setup({
  types: {
    context: {} as ChildContext,
    events: {} as ChildEvent,
    input: {} as ChildInput,
  },
  actions: {
    // Provided by the actor host; the defaults do nothing so the machine runs in tests.
    spawnProcess: () => {},
    requestRestart: (_, _params: { pid: number }) => {},
    requestStop: (_, _params: { pid: number }) => {},
    signalProcess: (_, _params: { pid: number | undefined; signal: Signal }) => {},
    announce: (_, _params: { kind: AnnouncementKind; detail: string; at: number; pid?: number }) => {},
    notifyParent: sendParent(({ context, event }, params: { type: Notice }) => ({
      type: params.type,
      child: context.name,
      at: timeOf(context, event),
    })),
    /** Starts a wait: the delay `wait` reads waitMs; deadline is the same wait as data. */
    setWait: assign(({ context, event }, params: { ms: number }) => ({
      waitMs: Math.max(0, params.ms),
      deadline: timeOf(context, event) + Math.max(0, params.ms),
    })),
    recordExit: assign(({ event }) =>
      event.type === 'PROCESS.EXITED'
        ? {
            lastExit: { code: event.code, signal: event.signal, at: event.at },
            reason: event.signal ? `killed by ${event.signal}` : `exited with code ${event.code}`,
          }
        : {},
    ),
    noteVerdict: assign(({ event }) =>
      event.type === 'VERDICT'
        ? { lastVerdict: event.verdict, reason: `${event.verdict.verdict}: ${event.verdict.evidence}` }
        : {},
    ),
  },
  guards: {
    isCurrentProcess: ({ context, event }) => 'pid' in event && event.pid === context.pid,
    isUnhealthyVerdict: ({ context, event }) =>
      event.type === 'VERDICT' && event.verdict.pid === context.pid && isUnhealthy(event.verdict.verdict),
    isDeadVerdict: ({ context, event }) =>
      event.type === 'VERDICT' && event.verdict.pid === context.pid && event.verdict.verdict === 'dead',
    isDriftVerdict: ({ context, event }) =>
      event.type === 'VERDICT' && event.verdict.pid === context.pid && event.verdict.verdict === 'drift',
    isCooperative: ({ context }) => context.cooperative,
    hasProcess: ({ context }) => context.pid !== undefined,
    circuitTrips: ({ context }) => shouldTrip(context.counts, context.settings.circuit),
    restoredOpen: ({ context }) => context.openUntil !== undefined,
  },
  delays: {
    wait: ({ context }) => context.waitMs,
  },
}).createMachine({
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
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'spawning',
            detail: context.restarted ? 'respawning' : 'starting',
            at: timeOf(context, event),
          }),
        },
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
      entry: { type: 'setWait', params: ({ context }) => ({ ms: context.settings.readyTimeoutMs }) },
      after: {
        wait: { target: 'tier3', actions: assign({ reason: 'no heartbeat after start' }) },
      },
      on: {
        HEARTBEAT: { guard: 'isCurrentProcess', target: 'running' },
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'crashed', actions: 'recordExit' },
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
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'crashed', actions: 'recordExit' },
      },
    },

    // A restart that is not a failure: drift after an update, or an operator's /restart.
    rolling: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'rolling',
            detail: context.reason ?? 'restart',
            at: timeOf(context, event),
          }),
        },
        { type: 'setWait', params: ({ context }) => ({ ms: context.settings.cooperativeTimeoutMs }) },
        // A child that does not speak the control protocol is not asked: `always` takes it to tier2.
        enqueueActions(({ context, enqueue }) => {
          if (context.cooperative) enqueue({ type: 'requestRestart', params: { pid: context.pid! } });
        }),
      ],
      always: { guard: ({ context }) => !context.cooperative, target: 'tier2' },
      after: { wait: 'tier2' },
      on: {
        'RESTART.ACKED': {
          guard: ({ context, event }) => event.pid === context.pid && event.deferred === true,
          target: 'rollingDeferred',
        },
        'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'tier2' },
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'spawning', actions: 'recordExit' },
      },
    },

    // The actor restarts when its current work ends (a runner mid-mission): no escalation for
    // taking its time, but it is still watched — a hang while waiting is healed as usual.
    rollingDeferred: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'rolling',
            detail: 'deferred until the current work ends',
            at: timeOf(context, event),
          }),
        },
        assign({ deadline: undefined }),
      ],
      on: {
        VERDICT: [
          { guard: 'isDeadVerdict', target: 'tier3', actions: 'noteVerdict' },
          { guard: 'isUnhealthyVerdict', target: 'tier1', actions: 'noteVerdict' },
        ],
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'spawning', actions: 'recordExit' },
      },
    },

    tier1: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'tier1',
            detail: `cooperative restart (${context.reason})`,
            at: timeOf(context, event),
          }),
        },
        { type: 'setWait', params: ({ context }) => ({ ms: context.settings.cooperativeTimeoutMs }) },
        { type: 'requestRestart', params: ({ context }) => ({ pid: context.pid! }) },
      ],
      always: { guard: ({ context }) => !context.cooperative, target: 'tier2' },
      after: { wait: 'tier2' },
      on: {
        // The process answers again: whatever stalled it has passed.
        HEARTBEAT: { guard: 'isCurrentProcess', target: 'running' },
        'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'tier2' },
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'crashed', actions: 'recordExit' },
      },
    },

    tier2: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'tier2',
            detail: `SIGTERM pid ${context.pid}`,
            at: timeOf(context, event),
          }),
        },
        { type: 'setWait', params: ({ context }) => ({ ms: context.settings.sigtermGraceMs }) },
        { type: 'signalProcess', params: ({ context }) => ({ pid: context.pid, signal: 'SIGTERM' as const }) },
      ],
      after: { wait: 'tier3' },
      on: {
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'crashed', actions: 'recordExit' },
      },
    },

    tier3: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'tier3',
            detail: `SIGKILL pid ${context.pid ?? 'none'} (${context.reason})`,
            at: timeOf(context, event),
          }),
        },
        { type: 'setWait', params: ({ context }) => ({ ms: context.settings.sigtermGraceMs }) },
        { type: 'signalProcess', params: ({ context }) => ({ pid: context.pid, signal: 'SIGKILL' as const }) },
      ],
      // A process that cannot be reaped even by SIGKILL is given up on after the grace.
      after: { wait: { target: 'crashed', actions: assign({ reason: 'no exit after SIGKILL' }) } },
      on: {
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'crashed', actions: 'recordExit' },
      },
    },

    // Every unplanned end of a process passes here: it counts against the circuit.
    crashed: {
      entry: [
        assign(({ context, event }) => ({
          counts: recordFailure(context.counts, timeOf(context, event), context.settings.circuit),
          totalRestarts: context.totalRestarts + 1,
          restarted: true,
          pid: undefined,
        })),
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'exited',
            detail: context.reason ?? 'exited',
            at: timeOf(context, event),
          }),
        },
      ],
      always: [{ guard: 'circuitTrips', target: 'circuitOpen' }, { target: 'backoff' }],
    },

    backoff: {
      entry: [
        assign(({ context, event }) => {
          const sample = 'sample' in event && typeof event.sample === 'number' ? event.sample : 0.5;
          const waitMs = backoffDelay(context.counts.recentFailures.length - 1, context.settings.backoff, sample);
          return { waitMs, deadline: timeOf(context, event) + waitMs };
        }),
        {
          type: 'announce',
          params: ({ context }) => ({
            kind: 'backoff',
            detail: `respawn in ${context.waitMs} ms`,
            at: context.deadline! - context.waitMs,
          }),
        },
      ],
      after: { wait: 'spawning' },
    },

    circuitOpen: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'circuitOpen',
            detail: `${context.reason ?? 'failing'}; ${context.counts.failures} consecutive, ${context.counts.recentFailures.length} recent failures`,
            at: timeOf(context, event),
          }),
        },
        { type: 'notifyParent', params: { type: 'CHILD.GAVE_UP' } },
        assign(({ context, event }) => {
          const at = timeOf(context, event);
          // Restored: keep the persisted deadline. Fresh: open for openForMs from now.
          const openUntil =
            event.type === 'START' && context.openUntil !== undefined
              ? context.openUntil
              : at + context.settings.circuit.openForMs;
          const fresh = !(event.type === 'START');
          return {
            openUntil,
            // A restored openUntil may have passed: the wait then ends now, not in the past.
            deadline: Math.max(openUntil, at),
            waitMs: Math.max(0, openUntil - at),
            counts: fresh ? recordOpen(context.counts) : context.counts,
          };
        }),
      ],
      after: { wait: 'halfOpen' },
    },

    // One probe: a single process start. Healthy closes the circuit; anything else re-opens it.
    halfOpen: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({
            kind: 'halfOpen',
            detail: 'probing with one start',
            at: timeOf(context, event),
          }),
        },
        assign(({ context, event }) => ({
          pid: undefined,
          waitMs: context.settings.readyTimeoutMs,
          deadline: timeOf(context, event) + context.settings.readyTimeoutMs,
        })),
        'spawnProcess',
      ],
      after: { wait: { target: 'halfOpenFailed', actions: assign({ reason: 'probe sent no heartbeat' }) } },
      on: {
        'PROCESS.STARTED': { actions: assign({ pid: ({ event }) => event.pid }) },
        'PROCESS.SPAWN_FAILED': {
          target: 'halfOpenFailed',
          actions: assign({ reason: ({ event }) => `probe spawn failed: ${event.error}` }),
        },
        'PROCESS.EXITED': {
          guard: 'isCurrentProcess',
          target: 'halfOpenFailed',
          actions: ['recordExit', assign({ pid: undefined })],
        },
        HEARTBEAT: {
          guard: 'isCurrentProcess',
          target: 'running',
          actions: [
            assign({
              counts: ({ context }) => ({ ...recordSuccess(context.counts), recentFailures: [] }),
              openUntil: undefined,
            }),
            {
              type: 'announce',
              params: ({ event }) => ({ kind: 'circuitClosed', detail: 'probe healthy', at: event.at }),
            },
          ],
        },
      },
    },

    halfOpenFailed: {
      entry: [
        { type: 'signalProcess', params: ({ context }) => ({ pid: context.pid, signal: 'SIGKILL' as const }) },
        assign(({ context, event }) => ({
          counts: recordFailure(context.counts, timeOf(context, event), context.settings.circuit),
          totalRestarts: context.totalRestarts + 1,
          pid: undefined,
        })),
      ],
      always: 'circuitOpen',
    },

    stopping: {
      initial: 'asking',
      entry: {
        type: 'announce',
        params: ({ context, event }) => ({
          kind: 'stopping',
          detail: `pid ${context.pid}`,
          at: timeOf(context, event),
        }),
      },
      on: {
        'PROCESS.EXITED': { guard: 'isCurrentProcess', target: 'stopped', actions: assign({ pid: undefined }) },
      },
      states: {
        asking: {
          entry: [
            { type: 'setWait', params: ({ context }) => ({ ms: context.settings.cooperativeTimeoutMs }) },
            { type: 'requestStop', params: ({ context }) => ({ pid: context.pid! }) },
          ],
          always: { guard: ({ context }) => !context.cooperative, target: 'terminating' },
          after: { wait: 'terminating' },
          on: { 'RESTART.UNANSWERED': { guard: 'isCurrentProcess', target: 'terminating' } },
        },
        terminating: {
          entry: [
            { type: 'setWait', params: ({ context }) => ({ ms: context.settings.sigtermGraceMs }) },
            { type: 'signalProcess', params: ({ context }) => ({ pid: context.pid, signal: 'SIGTERM' as const }) },
          ],
          after: { wait: 'killing' },
        },
        killing: {
          entry: [
            { type: 'setWait', params: ({ context }) => ({ ms: context.settings.sigtermGraceMs }) },
            { type: 'signalProcess', params: ({ context }) => ({ pid: context.pid, signal: 'SIGKILL' as const }) },
          ],
          after: { wait: '#child.stopped' },
        },
      },
    },

    stopped: {
      entry: [
        {
          type: 'announce',
          params: ({ context, event }) => ({ kind: 'stopped', detail: 'stopped', at: timeOf(context, event) }),
        },
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
