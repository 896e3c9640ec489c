// The bridge's lifecycle and the health of its chat providers:
//
//   connecting ─outbox ready, no provider still starting─→ running ⇄ degraded ─DRAIN→ draining ─DRAINED→ stopped
//
// running: the outbox consumer works and every provider is up. degraded: a provider is failing
// (it could not start, or its sends fail) or the outbox consumer was lost; messages for it wait
// in the stream and the other providers go on. The host does the work (starting providers with
// backoff, sending, acknowledging) and reports what happened; this machine only keeps score, so
// `/status`, the `providers` control verb and the heartbeat's state all tell the same story.
import { assign, setup } from 'xstate';

export type ProviderState = 'starting' | 'up' | 'failing' | 'stopped';

export interface ProviderHealth {
  state: ProviderState;
  /** When the provider entered this state (ms since the epoch). */
  since: number;
  /** The last failure, kept after a recovery for the operator. */
  lastError?: string;
  /** Consecutive failures; 0 once up. */
  failures: number;
}

export interface BridgeContext {
  providers: Record<string, ProviderHealth>;
  outbox: { ready: boolean; since: number; lastError?: string };
}

export interface BridgeInput {
  providers: string[];
  now: number;
}

export type BridgeEvent =
  | { type: 'OUTBOX.READY'; at: number }
  | { type: 'OUTBOX.LOST'; error: string; at: number }
  | { type: 'PROVIDER.STARTING'; name: string; at: number }
  | { type: 'PROVIDER.UP'; name: string; at: number }
  | { type: 'PROVIDER.FAILED'; name: string; error: string; at: number }
  | { type: 'DRAIN' }
  | { type: 'DRAINED' };

/** Every provider up and the outbox consumer working. */
export function isHealthy(context: BridgeContext): boolean {
  return context.outbox.ready && Object.values(context.providers).every((p) => p.state === 'up');
}

/** Nothing is still starting: the outbox is ready and each provider is up or known to fail. */
export function isSettled(context: BridgeContext): boolean {
  return context.outbox.ready && Object.values(context.providers).every((p) => p.state !== 'starting');
}

function withProvider(
  context: BridgeContext,
  name: string,
  change: (previous: ProviderHealth | undefined) => ProviderHealth,
): BridgeContext['providers'] {
  return { ...context.providers, [name]: change(context.providers[name]) };
}

export const bridgeMachine = setup({
  types: {
    context: {} as BridgeContext,
    events: {} as BridgeEvent,
    input: {} as BridgeInput,
  },
  guards: {
    healthy: ({ context }) => isHealthy(context),
    unhealthy: ({ context }) => !isHealthy(context),
    settledHealthy: ({ context }) => isSettled(context) && isHealthy(context),
    settledUnhealthy: ({ context }) => isSettled(context) && !isHealthy(context),
  },
  actions: {
    outboxReady: assign({
      outbox: ({ context, event }) =>
        event.type === 'OUTBOX.READY'
          ? {
              ready: true,
              since: event.at,
              ...(context.outbox.lastError ? { lastError: context.outbox.lastError } : {}),
            }
          : context.outbox,
    }),
    outboxLost: assign({
      outbox: ({ context, event }) =>
        event.type === 'OUTBOX.LOST' ? { ready: false, since: event.at, lastError: event.error } : context.outbox,
    }),
    providerStarting: assign({
      providers: ({ context, event }) => {
        if (event.type !== 'PROVIDER.STARTING') return context.providers;
        return withProvider(context, event.name, (p) => ({
          ...(p?.lastError ? { lastError: p.lastError } : {}),
          state: 'starting',
          since: event.at,
          failures: p?.failures ?? 0,
        }));
      },
    }),
    providerUp: assign({
      providers: ({ context, event }) => {
        if (event.type !== 'PROVIDER.UP') return context.providers;
        return withProvider(context, event.name, (p) =>
          p?.state === 'up'
            ? p
            : { ...(p?.lastError ? { lastError: p.lastError } : {}), state: 'up', since: event.at, failures: 0 },
        );
      },
    }),
    providerFailed: assign({
      providers: ({ context, event }) => {
        if (event.type !== 'PROVIDER.FAILED') return context.providers;
        return withProvider(context, event.name, (p) => ({
          state: 'failing',
          since: p?.state === 'failing' ? p.since : event.at,
          lastError: event.error,
          failures: (p?.failures ?? 0) + 1,
        }));
      },
    }),
    providersStopped: assign({
      providers: ({ context }) =>
        Object.fromEntries(
          Object.entries(context.providers).map(([name, p]) => [name, { ...p, state: 'stopped' as const }]),
        ),
    }),
  },
}).createMachine({
  id: 'bridge',
  context: ({ input }) => ({
    providers: Object.fromEntries(
      input.providers.map((name) => [name, { state: 'starting' as const, since: input.now, failures: 0 }]),
    ),
    outbox: { ready: false, since: input.now },
  }),
  initial: 'connecting',
  on: {
    'OUTBOX.READY': { actions: 'outboxReady' },
    'OUTBOX.LOST': { actions: 'outboxLost' },
    'PROVIDER.STARTING': { actions: 'providerStarting' },
    'PROVIDER.UP': { actions: 'providerUp' },
    'PROVIDER.FAILED': { actions: 'providerFailed' },
    DRAIN: '.draining',
  },
  states: {
    connecting: {
      always: [
        { guard: 'settledHealthy', target: 'running' },
        { guard: 'settledUnhealthy', target: 'degraded' },
      ],
    },
    running: {
      always: { guard: 'unhealthy', target: 'degraded' },
    },
    degraded: {
      always: { guard: 'healthy', target: 'running' },
    },
    draining: {
      on: {
        // Health reports from providers being stopped no longer move the machine.
        'OUTBOX.READY': {},
        'OUTBOX.LOST': {},
        'PROVIDER.STARTING': {},
        'PROVIDER.UP': {},
        'PROVIDER.FAILED': {},
        DRAIN: {},
        DRAINED: { target: 'stopped', actions: 'providersStopped' },
      },
    },
    stopped: { type: 'final' },
  },
});
