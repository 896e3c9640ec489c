// A runner: claims one mission at a time and carries it through to a recorded outcome
// (docs/missions.md#lifecycle). Types in runnerTypes.ts, outcome helpers in runnerOutcome.ts.
//   idle ─poll / mission available→ claiming ─got one→ preparing → running → postMission → finishing → idle
//     │                                  └─none→ idle
//     ├─dispatch paused→ paused ─resumed / until→ idle
//     └─dispatch breaker open→ breakerOpen ─half-open→ claiming (one probe mission)
// Pure: every step is an actor the host provides; the lease is renewed by a provided callback
// while busy. A cancel, an abort or a lost lease leaves `running`, which stops the agent actor
// (its AbortSignal kills the agent at once); a drain lets the current mission finish first.
import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { Mission } from '../src/contracts/index.js';
import { breakerFailure, breakerSuccess, circuitBreakerMachine } from './circuitBreaker.js';
import { classifyPrepareError, errorText, lastKnownTime } from './runnerOutcome.js';
import type { AgentOutcome, RunnerContext, RunnerEvent, RunnerInput } from './runnerTypes.js';

export type { AgentOutcome, RunnerEvent, RunnerInput } from './runnerTypes.js';

export const runnerMachine = setup({
  types: {
    context: {} as RunnerContext,
    events: {} as RunnerEvent,
    input: {} as RunnerInput,
  },
  actors: {
    dispatchBreaker: circuitBreakerMachine,
    claimMission: fromPromise<Mission | undefined, { runner: string }>(async () => undefined),
    prepareWorkspace: fromPromise<{ worktree: string }, { mission: Mission }>(async () => ({ worktree: '' })),
    runAgent: fromPromise<AgentOutcome, { mission: Mission; worktree: string }>(async () => ({
      outcome: 'success',
      summary: '',
      at: 0,
    })),
    runPipeline: fromPromise<unknown, { mission: Mission; worktree: string; outcome: AgentOutcome }>(
      async () => undefined,
    ),
    finishMission: fromPromise<void, { mission: Mission; outcome: AgentOutcome; pipeline: unknown }>(
      async () => undefined,
    ),
    keepLease: fromCallback<{ type: string }, { mission: Mission }>(() => () => {}),
  },
  guards: {
    isPaused: ({ context }) => context.paused,
    breakerIsOpen: ({ context }) => context.breakerOpen,
    drainRequested: ({ context }) => context.drainRequested,
    isCurrentMission: ({ context, event }) => 'id' in event && event.id === context.mission?.id,
  },
  delays: {
    poll: ({ context }) => context.pollIntervalMs,
  },
  actions: {
    // Every mission starts from nothing: `next` claims without passing through idle, and a
    // failed mission once carried the previous mission's pipeline report into its notice.
    forgetMission: assign({
      mission: undefined,
      worktree: undefined,
      outcome: undefined,
      pipeline: undefined,
      stopReason: undefined,
    }),
    reportOutcomeToBreaker: enqueueActions(({ context, enqueue }) => {
      // Only transient agent failures (rate limits, overload, network) count against dispatch;
      // a mission's own permanent failure says nothing about the service.
      const result = context.outcome;
      if (!result || result.outcome === 'cancelled') return;
      enqueue.sendTo(
        'breaker',
        result.outcome === 'transient' ? breakerFailure(result.at, result.error) : breakerSuccess(result.at),
      );
    }),
  },
}).createMachine({
  id: 'runner',
  context: ({ input }) => ({
    name: input.name,
    breakerSettings: input.breaker,
    pollIntervalMs: input.pollIntervalMs,
    paused: input.startPaused,
    drainRequested: false,
    breakerOpen: false,
    completed: 0,
  }),
  invoke: {
    id: 'breaker',
    systemId: 'dispatchBreaker',
    src: 'dispatchBreaker',
    input: ({ context }) => ({
      maxConsecutiveFailures: context.breakerSettings.maxConsecutiveFailures,
      openForMs: context.breakerSettings.openForMs,
      now: 0, // only used to resume a persisted breaker; this one starts closed
      notifyParent: true,
      name: `${context.name}-dispatch`,
    }),
  },
  on: {
    'DISPATCH.PAUSED': { actions: assign({ paused: true, pauseUntil: ({ event }) => event.until }) },
    'DISPATCH.RESUMED': { actions: assign({ paused: false, pauseUntil: undefined }) },
    DRAIN: { actions: assign({ drainRequested: true }) },
    'CIRCUIT.OPENED': { actions: assign({ breakerOpen: true }) },
    'CIRCUIT.HALF_OPENED': { actions: assign({ breakerOpen: false }) },
    'CIRCUIT.CLOSED': { actions: assign({ breakerOpen: false }) },
  },
  initial: 'idle',
  states: {
    idle: {
      entry: 'forgetMission',
      always: [
        { guard: 'drainRequested', target: 'drained' },
        { guard: 'isPaused', target: 'paused' },
        { guard: 'breakerIsOpen', target: 'breakerOpen' },
      ],
      after: { poll: 'claiming' },
      on: {
        'MISSION.AVAILABLE': 'claiming',
        DRAIN: 'drained',
        'DISPATCH.PAUSED': {
          target: 'paused',
          actions: assign({ paused: true, pauseUntil: ({ event }) => event.until }),
        },
        'CIRCUIT.OPENED': { target: 'breakerOpen', actions: assign({ breakerOpen: true }) },
      },
    },

    paused: {
      on: {
        'DISPATCH.RESUMED': { target: 'idle', actions: assign({ paused: false, pauseUntil: undefined }) },
        DRAIN: 'drained',
      },
    },

    breakerOpen: {
      on: {
        // A trial claim, unless dispatch was paused (or held) meanwhile: then it waits for the resume.
        'CIRCUIT.HALF_OPENED': [
          { guard: 'isPaused', target: 'paused', actions: assign({ breakerOpen: false }) },
          { target: 'claiming', actions: assign({ breakerOpen: false }) },
        ],
        'CIRCUIT.CLOSED': { target: 'idle', actions: assign({ breakerOpen: false }) },
        DRAIN: 'drained',
      },
    },

    claiming: {
      invoke: {
        src: 'claimMission',
        input: ({ context }) => ({ runner: context.name }),
        onDone: [
          {
            guard: ({ event }) => event.output !== undefined,
            target: 'busy',
            actions: assign({ mission: ({ event }) => event.output }),
          },
          { target: 'idle' },
        ],
        // The store is unreachable (NATS reconnecting): try again on the next poll.
        onError: 'idle',
      },
    },

    busy: {
      invoke: { src: 'keepLease', input: ({ context }) => ({ mission: context.mission! }) },
      on: {
        'MISSION.CANCELLED': {
          guard: 'isCurrentMission',
          target: '.stopping',
          actions: assign({ stopReason: 'cancelled' }),
        },
        ABORT: { target: '.stopping', actions: assign({ stopReason: ({ event }) => `aborted: ${event.reason}` }) },
        'LEASE.LOST': {
          guard: 'isCurrentMission',
          target: '.stopping',
          actions: assign({ stopReason: ({ event }) => `lease lost: ${event.reason}` }),
        },
      },
      initial: 'preparing',
      states: {
        preparing: {
          invoke: {
            src: 'prepareWorkspace',
            input: ({ context }) => ({ mission: context.mission! }),
            onDone: { target: 'running', actions: assign({ worktree: ({ event }) => event.output.worktree }) },
            onError: {
              target: 'finishing',
              actions: assign({
                outcome: ({ context, event }) => classifyPrepareError(event.error, lastKnownTime(context)),
              }),
            },
          },
        },
        running: {
          invoke: {
            src: 'runAgent',
            input: ({ context }) => ({ mission: context.mission!, worktree: context.worktree! }),
            onDone: [
              {
                guard: ({ event }) => event.output.outcome === 'success',
                target: 'postMission',
                actions: assign({ outcome: ({ event }) => event.output }),
              },
              { target: 'finishing', actions: assign({ outcome: ({ event }) => event.output }) },
            ],
            onError: {
              target: 'finishing',
              actions: assign({
                outcome: ({ context, event }) => ({
                  outcome: 'permanent' as const,
                  summary: '',
                  error: errorText(event.error),
                  at: lastKnownTime(context),
                }),
              }),
            },
          },
        },
        postMission: {
          // The agent's work is done and being delivered (commit, push, PR): a cancel now would
          // only leave it half pushed, so the pipeline finishes and the outcome is recorded.
          on: { 'MISSION.CANCELLED': {}, ABORT: {}, 'LEASE.LOST': {} },
          invoke: {
            src: 'runPipeline',
            input: ({ context }) => ({
              mission: context.mission!,
              worktree: context.worktree!,
              outcome: context.outcome!,
            }),
            onDone: { target: 'finishing', actions: assign({ pipeline: ({ event }) => event.output }) },
            onError: {
              target: 'finishing',
              actions: assign({ pipeline: ({ event }) => ({ error: errorText(event.error) }) }),
            },
          },
        },
        // Leaving `running` stopped the agent actor, whose signal killed the agent.
        stopping: {
          entry: assign({
            outcome: ({ context }) => ({
              outcome: 'cancelled' as const,
              summary: '',
              error: context.stopReason ?? 'stopped',
              at: lastKnownTime(context),
            }),
          }),
          always: 'finishing',
        },
        finishing: {
          entry: 'reportOutcomeToBreaker',
          invoke: {
            src: 'finishMission',
            input: ({ context }) => ({
              mission: context.mission!,
              outcome: context.outcome!,
              pipeline: context.pipeline,
            }),
            // Straight on to the next mission: a queue must not drain at one mission per poll.
            onDone: { target: '#runner.next', actions: assign({ completed: ({ context }) => context.completed + 1 }) },
            // A lost lease or an unreachable store: the lease will expire and the mission return.
            onError: '#runner.idle',
          },
          // Once finishing, a cancel or abort has nothing left to stop.
          on: { 'MISSION.CANCELLED': {}, ABORT: {}, 'LEASE.LOST': {} },
        },
      },
    },

    // After a mission: claim again at once unless told to stop, pause or back off.
    next: {
      entry: 'forgetMission',
      always: [
        { guard: 'drainRequested', target: 'drained' },
        { guard: 'isPaused', target: 'paused' },
        { guard: 'breakerIsOpen', target: 'breakerOpen' },
        { target: 'claiming' },
      ],
    },

    drained: { type: 'final' },
  },
});
