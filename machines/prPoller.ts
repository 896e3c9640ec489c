// The PR poller's rhythm (docs/github.md#cadence-conditional-requests-and-rate-limits). Pure:
// the poll itself is an invoked promise the actor host supplies.
//
//   idle ─────────────────────── no GitHub token: nothing to do; `reason` says why
//   polling ─ok→ waiting ─(fast | idle cadence, or POKE)→ polling
//      └─GitHub down / rate limited / token refused→ backingOff ─(exponential, Retry-After)→ polling
//   any state ─DRAIN→ draining (final)
//
// A POKE (a PR entered the CI queue) cuts a wait short, not a backoff: GitHub asked for quiet.
// Deadlines are kept in context (`nextPollAt`, `backoffUntil`) so status can show them.
import { assign, fromPromise, setup } from 'xstate';
import { doublingBackoff } from './backoff.js';

/** What one poll reports back to the machine (errors are results, never exceptions). */
export type PollResult =
  | { ok: true; fast: boolean; at: number }
  | { ok: false; at: number; kind: 'outage' | 'rate_limit' | 'auth' | 'error'; error: string; retryAfterMs?: number };

export interface PrPollerInput {
  /** Set when there is no token: the poller stays idle and says why. */
  idleReason?: string;
  fastMs: number;
  idleMs: number;
  /** First backoff delay; doubles per failure up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Longest wait a Retry-After may impose. */
  maxRetryAfterMs?: number;
}

export interface PrPollerContext extends Required<Omit<PrPollerInput, 'idleReason'>> {
  idleReason?: string;
  cadence: 'fast' | 'idle';
  /** Consecutive failed polls. */
  failures: number;
  lastPollAt?: number;
  lastError?: string;
  lastErrorKind?: string;
  /** When the current wait or backoff ends (ms since the epoch). */
  nextPollAt?: number;
  backoffUntil?: number;
  polls: number;
  pokedWhilePolling: boolean;
}

export type PrPollerEvent = { type: 'POKE' } | { type: 'DRAIN' };

/** Delay before the next poll after `failures` failures in a row, raised to Retry-After. */
export function pollBackoffMs(
  failures: number,
  context: Pick<PrPollerContext, 'backoffBaseMs' | 'backoffMaxMs' | 'maxRetryAfterMs'>,
  retryAfterMs?: number,
): number {
  const exponential = doublingBackoff(failures, { initialMs: context.backoffBaseMs, maxMs: context.backoffMaxMs });
  return Math.max(exponential, Math.min(retryAfterMs ?? 0, context.maxRetryAfterMs));
}

export const prPollerMachine = setup({
  types: {
    context: {} as PrPollerContext,
    events: {} as PrPollerEvent,
    input: {} as PrPollerInput,
  },
  actors: {
    // Supplied by the actor host: one poll cycle, resolving with a PollResult.
    poll: fromPromise<PollResult>(async () => ({ ok: true, fast: false, at: 0 })),
  },
  delays: {
    cadence: ({ context }) => (context.cadence === 'fast' ? context.fastMs : context.idleMs),
    backoff: ({ context }) => Math.max(0, (context.backoffUntil ?? 0) - (context.lastPollAt ?? 0)),
  },
  guards: {
    hasToken: ({ context }) => context.idleReason === undefined,
    pokedWhilePolling: ({ context }) => context.pokedWhilePolling,
  },
}).createMachine({
  id: 'prPoller',
  context: ({ input }) => ({
    fastMs: input.fastMs,
    idleMs: input.idleMs,
    backoffBaseMs: input.backoffBaseMs,
    backoffMaxMs: input.backoffMaxMs,
    maxRetryAfterMs: input.maxRetryAfterMs ?? 3600_000,
    ...(input.idleReason !== undefined ? { idleReason: input.idleReason } : {}),
    cadence: 'idle',
    failures: 0,
    polls: 0,
    pokedWhilePolling: false,
  }),
  initial: 'starting',
  on: { DRAIN: '.draining' },
  states: {
    starting: {
      always: [{ guard: 'hasToken', target: 'polling' }, { target: 'idle' }],
    },
    idle: {},
    polling: {
      entry: assign({ pokedWhilePolling: false }),
      on: { POKE: { actions: assign({ pokedWhilePolling: true }) } },
      invoke: {
        src: 'poll',
        onDone: [
          {
            guard: ({ event }) => event.output.ok,
            target: 'waiting',
            actions: assign(({ context, event }) => {
              const result = event.output as Extract<PollResult, { ok: true }>;
              const cadence = result.fast ? 'fast' : 'idle';
              return {
                cadence,
                failures: 0,
                lastPollAt: result.at,
                polls: context.polls + 1,
                nextPollAt: result.at + (cadence === 'fast' ? context.fastMs : context.idleMs),
                backoffUntil: undefined,
              } as Partial<PrPollerContext>;
            }),
          },
          {
            target: 'backingOff',
            actions: assign(({ context, event }) => {
              const result = event.output as Extract<PollResult, { ok: false }>;
              const failures = context.failures + 1;
              const until = result.at + pollBackoffMs(failures, context, result.retryAfterMs);
              return {
                failures,
                lastPollAt: result.at,
                lastError: result.error,
                lastErrorKind: result.kind,
                backoffUntil: until,
                nextPollAt: until,
                polls: context.polls + 1,
              };
            }),
          },
        ],
        // A bug in the poll (it should report errors as results): back off, never crash.
        onError: {
          target: 'backingOff',
          actions: assign(({ context, event }) => {
            const at = context.lastPollAt ?? 0;
            const failures = context.failures + 1;
            const until = at + pollBackoffMs(failures, context);
            return {
              failures,
              lastError: String((event.error as Error)?.message ?? event.error),
              lastErrorKind: 'error',
              backoffUntil: until,
              nextPollAt: until,
            };
          }),
        },
      },
    },
    waiting: {
      always: { guard: 'pokedWhilePolling', target: 'polling' },
      after: { cadence: 'polling' },
      on: { POKE: 'polling' },
    },
    backingOff: {
      after: { backoff: 'polling' },
    },
    draining: { type: 'final' },
  },
});
