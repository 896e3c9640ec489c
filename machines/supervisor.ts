// The root of the tree. It owns one child-supervision machine per child, starts them in order
// (each waits for the previous one's first heartbeat), rolls drifted children one at a time,
// and stops them in reverse order. It decides nothing about a single child's health: that is
// the child machine's job (docs/supervision.md#stopping-the-tree, #drift-and-rolling-restarts).
import { assign, enqueueActions, fromCallback, fromPromise, setup, type ActorRefFrom } from 'xstate';
import type { ChildNotice } from './childEvents.js';
import { childSupervisionMachine, type ChildInput, type PersistedHealState } from './childSupervision.js';

export interface SupervisorInput {
  /** In start order; stop order is the reverse. */
  children: ChildInput[];
  /**
   * The child that must be ready before persisted heal state can be read (the embedded
   * nats-server holds the KV store). Undefined when NATS is external: state loads first.
   */
  stateStoreChild?: string;
  /** Start time (ms since the epoch); later times come with events. */
  now: number;
}

/** What the host's loadHealState returns: each child's persisted state, and when it was read. */
export interface HealStateLoad {
  states: Record<string, PersistedHealState>;
  at: number;
}

export type SupervisorEvent =
  | ChildNotice
  | { type: 'STOP'; at: number }
  | { type: 'RESTART_CHILD'; child: string; reason: string; at: number }
  | { type: 'RESET_CIRCUIT'; child: string; at: number };

interface SupervisorContext {
  children: ChildInput[];
  stateStoreChild?: string;
  restored: Record<string, PersistedHealState>;
  stateLoaded: boolean;
  /** Index into children of the one being started or stopped. */
  cursor: number;
  spawned: string[];
  rollQueue: string[];
  rolling?: string;
  /** Boot time, the time of steps no timed event started (the initial start). */
  now: number;
}

export type ChildActor = ActorRefFrom<typeof childSupervisionMachine>;

/** The id of the invoked self-watch among the machine's children; every other child is a child machine. */
export const SELF_WATCH_ID = 'selfWatch';

/** Eventless steps carry the time of the event that started the macrostep; init has none. */
const timeOf = (context: SupervisorContext, event: { type: string }): number =>
  'at' in event && typeof event.at === 'number' ? event.at : context.now;

const current = (c: SupervisorContext): ChildInput | undefined => c.children[c.cursor];

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
  },
  actors: {
    child: childSupervisionMachine,
    // Provided by the host: reads PersistedHealState for every child from KV.
    loadHealState: fromPromise<HealStateLoad, { names: string[] }>(async () => ({ states: {}, at: 0 })),
    // Provided by the host: watches what no child machine hears about on its own (the watchdog's
    // heartbeats, the embedded server's round trip) for as long as the tree runs.
    selfWatch: fromCallback(() => () => {}),
  },
  actions: {
    startCurrentChild: enqueueActions(({ context, event, enqueue }) => {
      const input = current(context)!;
      const restored = context.restored[input.name];
      enqueue.spawnChild('child', {
        id: input.name,
        systemId: input.name,
        input: restored ? { ...input, restored } : input,
      });
      enqueue.assign({ spawned: [...context.spawned, input.name] });
      enqueue.sendTo(input.name, { type: 'START', at: timeOf(context, event) });
    }),
    queueRoll: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CHILD.DRIFT') return;
      if (context.rolling === event.child || context.rollQueue.includes(event.child)) return;
      if (context.rolling) {
        enqueue.assign({ rollQueue: [...context.rollQueue, event.child] });
        return;
      }
      enqueue.assign({ rolling: event.child });
      enqueue.sendTo(event.child, { type: 'ROLL', reason: 'build drift', at: event.at });
    }),
    rollNext: enqueueActions(({ context, event, enqueue }) => {
      const [next, ...rest] = context.rollQueue;
      enqueue.assign({ rolling: next, rollQueue: rest });
      if (next) enqueue.sendTo(next, { type: 'ROLL', reason: 'build drift', at: timeOf(context, event) });
    }),
    // The host reports these; the default is silent so the machine runs in tests.
    announceTree: (_, _params: { kind: 'starting' | 'running' | 'stopping' | 'stopped'; detail: string }) => {},
  },
  guards: {
    allStarted: ({ context }) => context.cursor >= context.children.length,
    needsHealState: ({ context }) =>
      !context.stateLoaded &&
      (context.stateStoreChild === undefined || current(context)?.name !== context.stateStoreChild),
    isCurrentChild: ({ context, event }) => 'child' in event && event.child === current(context)?.name,
    allStopped: ({ context }) => context.cursor < 0,
    isRollingChild: ({ context, event }) => 'child' in event && event.child === context.rolling,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    children: input.children,
    ...(input.stateStoreChild ? { stateStoreChild: input.stateStoreChild } : {}),
    restored: {},
    stateLoaded: false,
    cursor: 0,
    spawned: [],
    rollQueue: [],
    now: input.now,
  }),
  initial: 'starting',
  invoke: { id: SELF_WATCH_ID, src: 'selfWatch' },
  // Operator requests reach any child already spawned, also while the rest is still starting.
  on: {
    RESTART_CHILD: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (context.spawned.includes(event.child))
          enqueue.sendTo(event.child, { type: 'ROLL', reason: event.reason, at: event.at });
      }),
    },
    RESET_CIRCUIT: {
      actions: enqueueActions(({ context, event, enqueue }) => {
        if (context.spawned.includes(event.child)) enqueue.sendTo(event.child, { type: 'CIRCUIT.RESET', at: event.at });
      }),
    },
  },
  states: {
    starting: {
      entry: {
        type: 'announceTree',
        params: ({ context }) => ({ kind: 'starting', detail: context.children.map((c) => c.name).join(' → ') }),
      },
      initial: 'next',
      on: { STOP: '#supervisor.stopping' },
      states: {
        next: {
          always: [
            { guard: 'allStarted', target: '#supervisor.running' },
            { guard: 'needsHealState', target: 'loadingHealState' },
            { target: 'waitingForReady', actions: 'startCurrentChild' },
          ],
        },
        loadingHealState: {
          invoke: {
            src: 'loadHealState',
            input: ({ context }) => ({ names: context.children.map((c) => c.name) }),
            // The load took time; the children started next must count their deadlines from its end.
            onDone: {
              target: 'next',
              actions: assign({
                restored: ({ event }) => event.output.states,
                stateLoaded: true,
                now: ({ context, event }) => Math.max(context.now, event.output.at),
              }),
            },
            // An unreadable store must not keep the tree down: start with fresh heal state.
            onError: { target: 'next', actions: assign({ stateLoaded: true }) },
          },
        },
        waitingForReady: {
          on: {
            'CHILD.READY': {
              guard: 'isCurrentChild',
              target: 'next',
              actions: assign({ cursor: ({ context }) => context.cursor + 1 }),
            },
            // A child whose circuit opened during start does not hold up the rest of the tree.
            'CHILD.GAVE_UP': {
              guard: 'isCurrentChild',
              target: 'next',
              actions: assign({ cursor: ({ context }) => context.cursor + 1 }),
            },
          },
        },
      },
    },

    running: {
      entry: { type: 'announceTree', params: { kind: 'running', detail: 'all children started' } },
      on: {
        STOP: 'stopping',
        'CHILD.DRIFT': { actions: 'queueRoll' },
        'CHILD.READY': { guard: 'isRollingChild', actions: 'rollNext' },
        'CHILD.GAVE_UP': { guard: 'isRollingChild', actions: 'rollNext' },
        'CHILD.DEFERRED': { guard: 'isRollingChild', actions: 'rollNext' },
      },
    },

    stopping: {
      // Too late for restarts: everything is on its way down.
      on: { RESTART_CHILD: {}, RESET_CIRCUIT: {} },
      entry: [
        assign({ cursor: ({ context }) => context.spawned.length - 1, rollQueue: [], rolling: undefined }),
        { type: 'announceTree', params: { kind: 'stopping', detail: 'stopping children in reverse order' } },
      ],
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'allStopped', target: '#supervisor.stopped' },
            {
              target: 'waitingForStop',
              actions: enqueueActions(({ context, event, enqueue }) => {
                enqueue.sendTo(context.spawned[context.cursor]!, { type: 'STOP', at: timeOf(context, event) });
              }),
            },
          ],
        },
        waitingForStop: {
          on: {
            'CHILD.STOPPED': {
              guard: ({ context, event }) => event.child === context.spawned[context.cursor],
              target: 'next',
              actions: assign({ cursor: ({ context }) => context.cursor - 1 }),
            },
          },
        },
      },
    },

    stopped: {
      type: 'final',
      entry: { type: 'announceTree', params: { kind: 'stopped', detail: 'all children stopped' } },
    },
  },
});
