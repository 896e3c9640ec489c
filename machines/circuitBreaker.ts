// A reusable circuit breaker: the supervisor's restart circuit, the runner's dispatch breaker
// and fire-and-forget pipeline steps all use this one machine so they trip the same way.
//
//   closed ─FAILURE that trips a rule→ open ─openFor→ halfOpen ─SUCCESS→ closed (counts reset)
//                                         ↑                    │
//                                         └──────FAILURE───────┘ (fresh deadline, opens + 1)
//
// Pure: imports only xstate and the shared trip arithmetic (circuitRules.ts, which the
// child-supervision machine uses too), never reads a clock. Every FAILURE/SUCCESS carries `at`, the
// intensity window is computed from those times, and the open wait is kept as data (openedAt,
// openUntil) so `breakerSummary` can persist it and `input.restore` + `input.now` resume it.
//
// Notifying the consumer (a breaker never imports its consumers): one named action, `notify`,
// does both of these with the same CIRCUIT.* notice:
//  - `emit` always. Plain-code owners (runner, pipeline steps) hold the actor and listen with
//    `actor.on('CIRCUIT.OPENED', …)` or `actor.on('*', …)`; with no listener it is a no-op.
//  - `sendParent` only when `input.notifyParent` is true. A parent *machine* cannot subscribe to
//    an invoked child's emitted events declaratively, so this is how it reacts in its own
//    `on: { 'CIRCUIT.OPENED': … }`. It is opt-in because sendParent throws when the actor has
//    no parent, and reaching for `self._parent` would be internal API.
// Consumers can `.provide({ actions: { notify } })` to route notices some other way.
import { assign, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { recordFailure as countFailure, shouldTrip, type CircuitRules } from './circuitRules.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** What survives a restart; exactly what `breakerSummary` returns and `input.restore` takes. */
export interface PersistedBreaker {
  state: BreakerState;
  /** Consecutive failures since the last success. */
  failures: number;
  /** Failure times inside the intensity window (empty when there is no intensity rule). */
  recentFailures: number[];
  /** Deadline of the current open wait, ms since the epoch. */
  openUntil?: number;
  opens: number;
}

/** OTP restart intensity trips at maxFailures failures in the window (at - periodMs, at]. */
export type BreakerRules = CircuitRules;

export interface BreakerInput extends BreakerRules {
  /** Creation time (ms); only used to resume a restored open wait. */
  now: number;
  restore?: PersistedBreaker;
  /** Also sendParent every notice; set it only when the breaker is invoked/spawned by a machine. */
  notifyParent?: boolean;
  /** Copied into notices as `breaker`, so a parent with several breakers can tell them apart. */
  name?: string;
}

export type BreakerEvent =
  | { type: 'FAILURE'; at: number; reason?: string }
  | { type: 'SUCCESS'; at: number }
  | { type: 'RESET' };

export const breakerFailure = (at: number, reason?: string): BreakerEvent =>
  reason === undefined ? { type: 'FAILURE', at } : { type: 'FAILURE', at, reason };
export const breakerSuccess = (at: number): BreakerEvent => ({ type: 'SUCCESS', at });
export const breakerReset = (): BreakerEvent => ({ type: 'RESET' });

type Named = { breaker?: string }; // copied from input.name
export type CircuitOpened = Named & {
  type: 'CIRCUIT.OPENED';
  at: number;
  openUntil: number;
  failures: number;
  opens: number;
  reason?: string;
};
export type CircuitHalfOpened = Named & { type: 'CIRCUIT.HALF_OPENED'; at: number };
/** `at` is absent for an operator RESET, which carries no time. */
export type CircuitClosed = Named & { type: 'CIRCUIT.CLOSED'; at?: number; reset: boolean };
export type CircuitNotice = CircuitOpened | CircuitHalfOpened | CircuitClosed;

export const circuitOpened = (info: Omit<CircuitOpened, 'type'>): CircuitOpened => ({
  type: 'CIRCUIT.OPENED',
  ...info,
});
export const circuitHalfOpened = (info: Omit<CircuitHalfOpened, 'type'>): CircuitHalfOpened => ({
  type: 'CIRCUIT.HALF_OPENED',
  ...info,
});
export const circuitClosed = (info: Omit<CircuitClosed, 'type'>): CircuitClosed => ({
  type: 'CIRCUIT.CLOSED',
  ...info,
});

export interface BreakerContext {
  rules: BreakerRules;
  name?: string;
  notifyParent: boolean;
  failures: number;
  recentFailures: number[];
  opens: number;
  /** When the current open wait starts counting: the tripping FAILURE's `at`, or input.now on restore. */
  openedAt?: number;
  openUntil?: number;
  /** The persisted state to resume; read once by the transient `restoring` state. */
  restoredState: BreakerState;
  reason?: string;
}

const positive = (n: number | undefined): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;

/**
 * Throws on a breaker that could never work. The machine calls it while building its context;
 * xstate turns that throw into an error snapshot (an invoking parent gets onError), so config
 * loaders should also call it directly to fail fast with the message.
 */
export function validateBreakerInput(input: BreakerInput): void {
  const fail = (why: string): never => {
    throw new Error(`circuitBreaker${input.name ? ` '${input.name}'` : ''}: ${why}`);
  };
  if (!positive(input.openForMs)) fail(`openForMs must be a positive number of ms, got ${input.openForMs}`);
  if (input.maxConsecutiveFailures === undefined && !input.intensity) {
    fail('give at least one trip rule: maxConsecutiveFailures or intensity');
  }
  const count = (n: number): boolean => Number.isInteger(n) && n >= 1;
  const max = input.maxConsecutiveFailures;
  if (max !== undefined && !count(max)) fail(`maxConsecutiveFailures must be an integer >= 1, got ${max}`);
  const { intensity } = input;
  if (intensity && !(count(intensity.maxFailures) && positive(intensity.periodMs))) {
    fail('intensity needs an integer maxFailures >= 1 and a positive periodMs');
  }
  if (!Number.isFinite(input.now)) fail(`now must be a time in ms, got ${input.now}`);
}

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
