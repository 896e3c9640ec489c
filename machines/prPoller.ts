// The PR poller's rhythm (docs/github.md#cadence-conditional-requests-and-rate-limits). Pure:
// the poll itself is an invoked promise the actor host supplies.
//
//   idle ─────────────────────── no GitHub token: nothing to do; `reason` says why
//   polling ─ok→ waiting ─(fast | idle cadence, or POKE | WEBHOOK)→ polling
//      └─GitHub down / rate limited / token refused→ backingOff ─(exponential, Retry-After)→ polling
//   any state ─DRAIN→ draining (final)
//
// A POKE (a PR entered the CI queue) cuts a wait short, not a backoff: GitHub asked for quiet.
// Deadlines are kept in context (`nextPollAt`, `backoffUntil`) so status can show them.
// While GitHub webhooks arrive (a WEBHOOK within webhookSafetyMs of a poll's end) the wait is the
// safety interval instead: the webhooks poke. None for that long: back to the normal cadence.
// A WEBHOOK received before the poll in progress began (`pollSince`) is covered by it; one
// received later brings one more poll, so a burst of deliveries for one change is one poll.
// docs/github.md#webhooks
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
  /** The wait between polls while webhooks arrive (prPoller.webhookSafetyInterval). */
  webhookSafetyMs?: number;
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
  /**
   * The poll in progress reads GitHub as of no earlier than this (its deadline, or the delivery
   * that started it); undefined when unknown. A WEBHOOK received by then is covered by this poll.
   */
  pollSince?: number;
  /** When the newest webhook delivery was noted (ms since the epoch, the feed's clock). */
  lastWebhookAt?: number;
  webhooks: number;
}

/** WEBHOOK: a GitHub delivery about a followed repository was recorded; it pokes like POKE. */
export type PrPollerEvent = { type: 'POKE' } | { type: 'WEBHOOK'; at: number } | { type: 'DRAIN' };

/** Whether webhooks count as arriving at `at`: one was noted less than the safety interval before. */
export function webhooksLive(context: Pick<PrPollerContext, 'lastWebhookAt' | 'webhookSafetyMs'>, at: number): boolean {
  return context.lastWebhookAt !== undefined && at - context.lastWebhookAt < context.webhookSafetyMs;
}

/** The wait after a good poll that ended at `at`: the cadence, or the safety interval while webhooks arrive. */
export function pollWaitMs(
  context: Pick<PrPollerContext, 'fastMs' | 'idleMs' | 'lastWebhookAt' | 'webhookSafetyMs'>,
  cadence: 'fast' | 'idle',
  at: number,
): number {
  const normal = cadence === 'fast' ? context.fastMs : context.idleMs;
  return webhooksLive(context, at) ? Math.max(normal, context.webhookSafetyMs) : normal;
}

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
    cadence: ({ context }) =>
      context.nextPollAt !== undefined && context.lastPollAt !== undefined
        ? Math.max(0, context.nextPollAt - context.lastPollAt)
        : context.cadence === 'fast'
          ? context.fastMs
          : context.idleMs,
    backoff: ({ context }) => Math.max(0, (context.backoffUntil ?? 0) - (context.lastPollAt ?? 0)),
  },
  actions: {
    noteWebhook: assign(({ context, event }) =>
      event.type === 'WEBHOOK'
        ? { lastWebhookAt: Math.max(context.lastWebhookAt ?? 0, event.at), webhooks: context.webhooks + 1 }
        : {},
    ),
  },
  guards: {
    hasToken: ({ context }) => context.idleReason === undefined,
    pokedWhilePolling: ({ context }) => context.pokedWhilePolling,
    // Received before the poll in progress began reading: it sees that change already.
    coveredByPoll: ({ context, event }) =>
      event.type === 'WEBHOOK' && context.pollSince !== undefined && event.at <= context.pollSince,
  },
}).createMachine({
  id: 'prPoller',
  context: ({ input }) => ({
    fastMs: input.fastMs,
    idleMs: input.idleMs,
    backoffBaseMs: input.backoffBaseMs,
    backoffMaxMs: input.backoffMaxMs,
    maxRetryAfterMs: input.maxRetryAfterMs ?? 3600_000,
    webhookSafetyMs: input.webhookSafetyMs ?? 600_000,
    webhooks: 0,
    ...(input.idleReason !== undefined ? { idleReason: input.idleReason } : {}),
    cadence: 'idle',
    failures: 0,
    polls: 0,
    pokedWhilePolling: false,
  }),
  initial: 'starting',
  on: {
    DRAIN: '.draining',
    WEBHOOK: { actions: 'noteWebhook' },
  },
  states: {
    starting: {
      always: [{ guard: 'hasToken', target: 'polling' }, { target: 'idle' }],
    },
    idle: {},
    polling: {
      entry: assign({ pokedWhilePolling: false }),
      on: {
        POKE: { actions: assign({ pokedWhilePolling: true }) },
        WEBHOOK: [
          { guard: 'coveredByPoll', actions: 'noteWebhook' },
          { actions: ['noteWebhook', assign({ pokedWhilePolling: true })] },
        ],
      },
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
                nextPollAt: result.at + pollWaitMs(context, cadence, result.at),
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
      always: { guard: 'pokedWhilePolling', target: 'polling', actions: assign({ pollSince: undefined }) },
      after: { cadence: { target: 'polling', actions: assign(({ context }) => ({ pollSince: context.nextPollAt })) } },
      on: {
        POKE: { target: 'polling', actions: assign({ pollSince: undefined }) },
        WEBHOOK: {
          target: 'polling',
          actions: [
            'noteWebhook',
            assign(({ event }) => ({ pollSince: event.type === 'WEBHOOK' ? event.at : undefined })),
          ],
        },
      },
    },
    backingOff: {
      after: {
        backoff: { target: 'polling', actions: assign(({ context }) => ({ pollSince: context.backoffUntil })) },
      },
    },
    draining: { type: 'final' },
  },
});
