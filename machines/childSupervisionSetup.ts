// The child-supervision machine's vocabulary: the actions the actor host provides, the guards and
// the one delay, plus the small action/transition shapes its states repeat. The state chart is
// machines/childSupervision.ts (docs/supervision.md#child-supervision-states).
import { assign, sendParent, setup } from 'xstate';
import type { AnnouncementKind, ChildEvent } from './childEvents.js';
import { shouldTrip } from './circuitRules.js';
import { isUnhealthy } from './liveness.js';
import { timeOf, type ChildContext, type ChildInput, type Notice, type Signal } from './childSupervisionTypes.js';

export const childSetup = setup({
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
});

type Args = { context: ChildContext; event: ChildEvent };

/** Announces `kind` at the time of the event that entered the state. */
export const announce = (kind: AnnouncementKind, detail: (context: ChildContext) => string) => ({
  type: 'announce' as const,
  params: ({ context, event }: Args) => ({ kind, detail: detail(context), at: timeOf(context, event) }),
});

/** Starts the wait one of the heal settings names. */
export const waitFor = (setting: 'readyTimeoutMs' | 'cooperativeTimeoutMs' | 'sigtermGraceMs') => ({
  type: 'setWait' as const,
  params: ({ context }: Args) => ({ ms: context.settings[setting] }),
});

export const sendSignal = (signal: Signal) => ({
  type: 'signalProcess' as const,
  params: ({ context }: Args) => ({ pid: context.pid, signal }),
});

/** The current process exited: on to `target`, remembering how it ended. */
export const exitTo = (target: string) => ({
  guard: 'isCurrentProcess' as const,
  target,
  actions: 'recordExit' as const,
});
