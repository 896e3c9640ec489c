// The restart-circuit half of the child-supervision chart: every unplanned exit is counted in
// `crashed`, then backoff, or an open circuit with one half-open probe
// (docs/supervision.md#restart-circuit-machinescircuitrulests). Spread into machines/childSupervision.ts.
import { assign } from 'xstate';
import { backoffDelay } from './backoff.js';
import { recordFailure, recordOpen, recordSuccess } from './circuitRules.js';
import { announce, childSetup, sendSignal } from './childSupervisionSetup.js';
import { timeOf } from './childSupervisionTypes.js';

// Every unplanned end of a process passes here: it counts against the circuit.
const crashed = childSetup.createStateConfig({
  entry: [
    assign(({ context, event }) => ({
      counts: recordFailure(context.counts, timeOf(context, event), context.settings.circuit),
      totalRestarts: context.totalRestarts + 1,
      restarted: true,
      pid: undefined,
    })),
    announce('exited', (context) => context.reason ?? 'exited'),
  ],
  always: [{ guard: 'circuitTrips', target: 'circuitOpen' }, { target: 'backoff' }],
});

const backoff = childSetup.createStateConfig({
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
});

const circuitOpen = childSetup.createStateConfig({
  entry: [
    announce(
      'circuitOpen',
      (context) =>
        `${context.reason ?? 'failing'}; ${context.counts.failures} consecutive, ${context.counts.recentFailures.length} recent failures`,
    ),
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
});

// One probe: a single process start. Healthy closes the circuit; anything else re-opens it.
const halfOpen = childSetup.createStateConfig({
  entry: [
    announce('halfOpen', () => 'probing with one start'),
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
});

const halfOpenFailed = childSetup.createStateConfig({
  entry: [
    sendSignal('SIGKILL'),
    assign(({ context, event }) => ({
      counts: recordFailure(context.counts, timeOf(context, event), context.settings.circuit),
      totalRestarts: context.totalRestarts + 1,
      pid: undefined,
    })),
  ],
  always: 'circuitOpen',
});

export const childCircuitStates = { crashed, backoff, circuitOpen, halfOpen, halfOpenFailed };
