// A reusable circuit breaker: the supervisor's restart circuit, the runner's dispatch breaker
// and fire-and-forget pipeline steps all use this one machine so they trip the same way
// (docs/supervision.md#the-circuit-breaker-machine: how notices reach their consumer).
//
//   closed ─FAILURE that trips a rule→ open ─openFor→ halfOpen ─SUCCESS→ closed (counts reset)
//                                         ↑                    │
//                                         └──────FAILURE───────┘ (fresh deadline, opens + 1)
//
// Pure: never reads a clock. Every FAILURE/SUCCESS carries `at`; the open wait is kept as data
// (openedAt, openUntil) so `breakerSummary` can persist it and `input.restore` + `input.now` resume it.
import { assign, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { recordFailure as countFailure, shouldTrip } from './circuitRules.js';
import {
  validateBreakerInput,
  type BreakerContext,
  type BreakerInput,
  type BreakerState,
  type PersistedBreaker,
} from './circuitBreakerInput.js';
import {
  circuitClosed,
  circuitHalfOpened,
  circuitOpened,
  type BreakerEvent,
  type CircuitNotice,
  type CircuitOpened,
} from './circuitNotices.js';

export {
  validateBreakerInput,
  type BreakerContext,
  type BreakerInput,
  type BreakerRules,
  type BreakerState,
  type PersistedBreaker,
} from './circuitBreakerInput.js';
export {
  breakerFailure,
  breakerReset,
  breakerSuccess,
  circuitClosed,
  circuitHalfOpened,
  circuitOpened,
  type BreakerEvent,
  type CircuitClosed,
  type CircuitHalfOpened,
  type CircuitNotice,
  type CircuitOpened,
} from './circuitNotices.js';

/** The counts after one more failure at `at`; the window drops failures older than periodMs. */
function withFailure(context: BreakerContext, at: number) {
  const { failures, recentFailures } = countFailure({ ...context }, at, context.rules);
  return { failures, recentFailures };
}

/** Both ways into `open` announce the same notice. */
const notifyOpened = {
  type: 'notify',
  params: ({ context }: { context: BreakerContext }) => openedNotice(context),
} as const;

export const circuitBreakerMachine = setup({
  types: {
    context: {} as BreakerContext,
    events: {} as BreakerEvent,
    input: {} as BreakerInput,
    emitted: {} as CircuitNotice,
  },
  actions: {
    notify: enqueueActions(({ context, enqueue }, notice: CircuitNotice) => {
      const named = context.name === undefined ? notice : { ...notice, breaker: context.name };
      enqueue.emit(named);
      if (context.notifyParent) enqueue.sendParent(named);
    }),
    recordFailure: assign(({ context, event }) =>
      event.type === 'FAILURE' ? { ...withFailure(context, event.at), reason: event.reason } : {},
    ),
    recordSuccess: assign({ failures: 0 }),
    /** Starts a fresh open wait measured from the failure that caused it. */
    trip: assign(({ context, event }) =>
      event.type === 'FAILURE'
        ? { opens: context.opens + 1, openedAt: event.at, openUntil: event.at + context.rules.openForMs }
        : {},
    ),
    /** After a good probe or a RESET: forget the streak AND the window, else one failure re-trips. */
    clearCounts: assign({
      failures: 0,
      recentFailures: [],
      openedAt: undefined,
      openUntil: undefined,
      reason: undefined,
    }),
  },
  guards: {
    failureTrips: ({ context, event }) =>
      event.type === 'FAILURE' &&
      shouldTrip({ ...withFailure(context, event.at), opens: context.opens }, context.rules),
    restoredClosed: ({ context }) => context.restoredState === 'closed',
    restoredHalfOpen: ({ context }) => context.restoredState === 'halfOpen',
    restoredOpenPending: ({ context }) =>
      context.restoredState === 'open' &&
      context.openUntil !== undefined &&
      context.openUntil > (context.openedAt ?? 0),
  },
  delays: { openFor: ({ context }) => Math.max(0, (context.openUntil ?? 0) - (context.openedAt ?? 0)) },
}).createMachine({
  id: 'circuitBreaker',
  context: ({ input }) => {
    validateBreakerInput(input);
    const r = input.restore;
    return {
      rules: {
        maxConsecutiveFailures: input.maxConsecutiveFailures,
        intensity: input.intensity,
        openForMs: input.openForMs,
      },
      name: input.name,
      notifyParent: input.notifyParent ?? false,
      failures: r?.failures ?? 0,
      recentFailures: input.intensity ? [...(r?.recentFailures ?? [])] : [],
      opens: r?.opens ?? 0,
      restoredState: r?.state ?? 'closed',
      // A restored wait resumes from creation time: the remaining delay is openUntil - now.
      ...(r && r.state !== 'closed' ? { openedAt: input.now, openUntil: r.openUntil } : {}),
    };
  },
  initial: 'restoring',
  on: {
    RESET: {
      target: '.closed',
      actions: ['clearCounts', { type: 'notify', params: () => circuitClosed({ reset: true }) }],
    },
  },
  states: {
    // Transient: lands in the persisted state. Resuming is silent except an open wait that
    // expired while we were down (or has no deadline), which is a real change to half-open.
    restoring: {
      always: [
        { guard: 'restoredClosed', target: 'closed' },
        { guard: 'restoredHalfOpen', target: 'halfOpen' },
        { guard: 'restoredOpenPending', target: 'open' },
        {
          target: 'halfOpen',
          actions: { type: 'notify', params: ({ context }) => circuitHalfOpened({ at: context.openedAt ?? 0 }) },
        },
      ],
    },
    closed: {
      on: {
        FAILURE: [
          { guard: 'failureTrips', target: 'open', actions: ['recordFailure', 'trip', notifyOpened] },
          { actions: 'recordFailure' },
        ],
        // Only the consecutive streak ends; the intensity window counts failures regardless.
        SUCCESS: { actions: 'recordSuccess' },
        // Already closed: clear the counts without announcing a change.
        RESET: { actions: 'clearCounts' },
      },
    },
    // FAILURE/SUCCESS are not handled here on purpose: the caller should not be running the
    // protected thing, so whatever it reports is dropped and nothing is recorded.
    open: {
      after: {
        openFor: {
          target: 'halfOpen',
          actions: { type: 'notify', params: ({ context }) => circuitHalfOpened({ at: context.openUntil ?? 0 }) },
        },
      },
    },
    // Exactly one probe: the first SUCCESS or FAILURE decides and leaves this state.
    halfOpen: {
      on: {
        SUCCESS: {
          target: 'closed',
          actions: [
            'clearCounts',
            { type: 'notify', params: ({ event }) => circuitClosed({ at: event.at, reset: false }) },
          ],
        },
        FAILURE: { target: 'open', actions: ['recordFailure', 'trip', notifyOpened] },
      },
    },
  },
});

/** Params resolve after the preceding assigns, so the context already holds the new deadline. */
function openedNotice({ openedAt, openUntil, failures, opens, reason }: BreakerContext): CircuitOpened {
  return circuitOpened({
    at: openedAt ?? 0,
    openUntil: openUntil ?? 0,
    failures,
    opens,
    ...(reason === undefined ? {} : { reason }),
  });
}

/** Status row and persisted form in one: feed it back as `input.restore` to resume. */
export function breakerSummary(snapshot: SnapshotFrom<typeof circuitBreakerMachine>): PersistedBreaker {
  const state: BreakerState = snapshot.matches('open') ? 'open' : snapshot.matches('halfOpen') ? 'halfOpen' : 'closed';
  const { failures, recentFailures, openUntil, opens } = snapshot.context;
  return { state, failures, recentFailures: [...recentFailures], openUntil, opens };
}
