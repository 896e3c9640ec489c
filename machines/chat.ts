// The chat actor's machine: one conversation turn at a time, in arrival order.
//
//   idle ─request queued→ answering.asking ─answer→ (reply) idle ─queue not empty→ answering …
//                               │ empty / failed, retries left
//                               ↓
//                         answering.waiting ─2 s, 5 s, 10 s→ answering.asking (lighter context)
//   answering.asking ─DRAIN→ draining ─answer, or drain grace (run aborted)→ drained
//   idle / answering.waiting ─DRAIN→ drained          drained: everything still queued is refused
//
// Requests arriving while one is being answered are queued in the context — never dropped and
// never refused for being second, up to `maxQueue` (the one in hand included): one more is
// refused at once with code `busy`, so a flood cannot build a backlog answered hours late. An empty answer or a failed run is retried after each delay in
// `retryDelaysMs` (2 s, 5 s, 10 s); the attempt number goes to the host, which makes each retry's
// context lighter and its timeout shorter. After the last retry the request is replied to as
// unanswered, so nothing blocks the queue.
//
// A drain never starts anything new: the answer in progress may still be replied to within the
// grace; what is left gets `refuse` (code `unavailable`), so the asker can ask again after the
// restart instead of waiting for a reply that will never come.
//
// Pure: the host provides the actions. `startTurn` runs one attempt and reports it back with
// TURN.ANSWERED or TURN.FAILED (tagged with id and attempt, so a late report of an abandoned
// attempt is ignored); `reply` and `refuse` answer a request; `abortTurn` stops a run in flight.
// The machine reads no clock: arrival times come with the REQUEST event.
import { assign, enqueueActions, setup } from 'xstate';
import type { ChatRequest } from '../src/contracts/index.js';

export interface QueuedRequest {
  id: string;
  request: ChatRequest;
  /** ms since the epoch, as the host saw it arrive. */
  receivedAt: number;
}

/** What the host needs to run one attempt. */
export interface TurnStart {
  id: string;
  request: ChatRequest;
  receivedAt: number;
  /** 0 for the first run; 1, 2, 3 for the retries (lighter context, shorter timeout). */
  attempt: number;
  /** Requests queued behind this one. */
  waiting: number;
}

export interface ReplyParams {
  id: string;
  /** The answer; absent when there is none (`answered` false). */
  text?: string;
  answered: boolean;
  /** Runs made: attempt + 1. */
  attempts: number;
  /** Why the last attempt gave no answer. */
  error?: string;
}

export interface RefuseParams {
  id: string;
  code: 'unavailable' | 'busy';
  reason: string;
}

export interface ChatInput {
  /** Delay before each retry; its length is the number of retries. Default 2 s, 5 s, 10 s. */
  retryDelaysMs?: number[];
  /** How long a drain waits for the answer in progress before abandoning it. */
  drainGraceMs: number;
  /** Requests held at most, the one being answered included (chat.maxQueue). Default unbounded. */
  maxQueue?: number;
}

export interface ChatContext {
  /** Waiting requests; while answering or draining, the head is the one in hand. */
  queue: QueuedRequest[];
  attempt: number;
  lastError?: string;
  retryDelaysMs: number[];
  drainGraceMs: number;
  maxQueue: number;
  answered: number;
  unanswered: number;
  refused: number;
}

export type ChatEvent =
  | { type: 'REQUEST'; id: string; request: ChatRequest; at: number }
  | { type: 'TURN.ANSWERED'; id: string; attempt: number; text: string }
  | { type: 'TURN.FAILED'; id: string; attempt: number; error: string }
  | { type: 'DRAIN' };

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [2_000, 5_000, 10_000];

type TurnEvent = Extract<ChatEvent, { type: 'TURN.ANSWERED' | 'TURN.FAILED' }>;

const head = (context: ChatContext): QueuedRequest | undefined => context.queue[0];
const RESTARTING = 'the chat is restarting; ask again in a moment';

export const chatMachine = setup({
  types: {
    context: {} as ChatContext,
    events: {} as ChatEvent,
    input: {} as ChatInput,
  },
  actions: {
    startTurn: (_, _params: TurnStart) => {},
    abortTurn: (_, _params: { id: string; attempt: number }) => {},
    reply: (_, _params: ReplyParams) => {},
    refuse: (_, _params: RefuseParams) => {},
    enqueue: assign({
      queue: ({ context, event }) =>
        event.type === 'REQUEST'
          ? [...context.queue, { id: event.id, request: event.request, receivedAt: event.at }]
          : context.queue,
    }),
    dequeue: assign({ queue: ({ context }) => context.queue.slice(1) }),
  },
  guards: {
    queueFull: ({ context }) => context.queue.length >= context.maxQueue,
    hasQueue: ({ context }) => context.queue.length > 0,
    isCurrentTurn: ({ context, event }) => {
      const turn = event as TurnEvent;
      return head(context)?.id === turn.id && turn.attempt === context.attempt;
    },
    retriesLeft: ({ context }) => context.attempt < context.retryDelaysMs.length,
  },
  delays: {
    retryDelay: ({ context }) =>
      context.retryDelaysMs[context.attempt] ?? context.retryDelaysMs[context.retryDelaysMs.length - 1] ?? 0,
    drainGrace: ({ context }) => context.drainGraceMs,
  },
}).createMachine({
  id: 'chat',
  context: ({ input }) => ({
    queue: [],
    attempt: 0,
    retryDelaysMs: [...(input.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS)],
    drainGraceMs: input.drainGraceMs,
    maxQueue: input.maxQueue ?? Number.POSITIVE_INFINITY,
    answered: 0,
    unanswered: 0,
    refused: 0,
  }),
  on: {
    REQUEST: [
      {
        guard: 'queueFull',
        actions: [
          {
            type: 'refuse',
            params: ({ context, event }) => ({
              id: event.id,
              code: 'busy' as const,
              reason: `busy: ${context.queue.length} questions are already waiting for an answer; ask again in a little while`,
            }),
          },
          assign({ refused: ({ context }) => context.refused + 1 }),
        ],
      },
      { actions: 'enqueue' },
    ],
  },
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'hasQueue', target: 'answering' },
      on: { DRAIN: 'drained' },
    },

    answering: {
      entry: assign({ attempt: 0, lastError: undefined }),
      initial: 'asking',
      states: {
        asking: {
          entry: {
            type: 'startTurn',
            params: ({ context }) => {
              const current = head(context)!;
              return {
                id: current.id,
                request: current.request,
                receivedAt: current.receivedAt,
                attempt: context.attempt,
                waiting: context.queue.length - 1,
              };
            },
          },
          on: {
            'TURN.ANSWERED': [
              {
                guard: ({ context, event }) =>
                  head(context)?.id === event.id && event.attempt === context.attempt && event.text.trim() !== '',
                target: '#chat.idle',
                actions: [
                  {
                    type: 'reply',
                    params: ({ context, event }) => ({
                      id: event.id,
                      text: event.text,
                      answered: true,
                      attempts: context.attempt + 1,
                    }),
                  },
                  assign({ answered: ({ context }) => context.answered + 1 }),
                  'dequeue',
                ],
              },
              { guard: 'isCurrentTurn', target: 'noAnswer', actions: assign({ lastError: 'the answer was empty' }) },
            ],
            'TURN.FAILED': {
              guard: 'isCurrentTurn',
              target: 'noAnswer',
              actions: assign({ lastError: ({ event }) => event.error }),
            },
            DRAIN: '#chat.draining',
          },
        },
        noAnswer: {
          always: [
            { guard: 'retriesLeft', target: 'waiting' },
            {
              target: '#chat.idle',
              actions: [
                {
                  type: 'reply',
                  params: ({ context }) => ({
                    id: head(context)!.id,
                    answered: false,
                    attempts: context.attempt + 1,
                    ...(context.lastError ? { error: context.lastError } : {}),
                  }),
                },
                assign({ unanswered: ({ context }) => context.unanswered + 1 }),
                'dequeue',
              ],
            },
          ],
        },
        waiting: {
          after: {
            retryDelay: { target: 'asking', actions: assign({ attempt: ({ context }) => context.attempt + 1 }) },
          },
          // Nothing in flight: the request in hand is refused with the rest of the queue.
          on: { DRAIN: '#chat.drained' },
        },
      },
    },

    // The answer in progress may still arrive within the grace; nothing new is started.
    draining: {
      on: {
        REQUEST: {
          actions: [
            {
              type: 'refuse',
              params: ({ event }) => ({ id: event.id, code: 'unavailable' as const, reason: RESTARTING }),
            },
            assign({ refused: ({ context }) => context.refused + 1 }),
          ],
        },
        'TURN.ANSWERED': [
          {
            guard: ({ context, event }) =>
              head(context)?.id === event.id && event.attempt === context.attempt && event.text.trim() !== '',
            target: 'drained',
            actions: [
              {
                type: 'reply',
                params: ({ context, event }) => ({
                  id: event.id,
                  text: event.text,
                  answered: true,
                  attempts: context.attempt + 1,
                }),
              },
              assign({ answered: ({ context }) => context.answered + 1 }),
              'dequeue',
            ],
          },
          // An empty or failed answer is not retried while draining: refused with the queue.
          { guard: 'isCurrentTurn', target: 'drained' },
        ],
        'TURN.FAILED': { guard: 'isCurrentTurn', target: 'drained' },
        DRAIN: {},
      },
      after: {
        drainGrace: {
          target: 'drained',
          actions: {
            type: 'abortTurn',
            params: ({ context }) => ({ id: head(context)?.id ?? '', attempt: context.attempt }),
          },
        },
      },
    },

    drained: {
      type: 'final',
      // Everything still queued (the request in hand included) is refused: the actor is going away.
      entry: enqueueActions(({ context, enqueue }) => {
        for (const queued of context.queue) {
          enqueue({ type: 'refuse', params: { id: queued.id, code: 'unavailable', reason: RESTARTING } });
        }
        enqueue.assign({ queue: [], refused: context.refused + context.queue.length });
      }),
    },
  },
});
