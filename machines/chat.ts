// The chat actor's machine: one conversation turn at a time, in arrival order
// (docs/chat.md#the-chat-machine). Types are in chatTypes.ts.
//
//   idle ─request queued→ answering.asking ─answer→ (reply) idle ─queue not empty→ answering …
//                               │ empty / failed, retries left
//                               ↓
//                         answering.waiting ─2 s, 5 s, 10 s→ answering.asking (lighter context)
//   answering.asking ─DRAIN→ draining ─answer, or drain grace (run aborted)→ drained
//   idle / answering.waiting ─DRAIN→ drained          drained: everything still queued is refused
import { assign, enqueueActions, setup } from 'xstate';
import type {
  ChatContext,
  ChatEvent,
  ChatInput,
  QueuedRequest,
  RefuseParams,
  ReplyParams,
  TurnStart,
} from './chatTypes.js';

export type * from './chatTypes.js';

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [2_000, 5_000, 10_000];

type TurnEvent = Extract<ChatEvent, { type: 'TURN.ANSWERED' | 'TURN.FAILED' }>;
type AnsweredEvent = Extract<ChatEvent, { type: 'TURN.ANSWERED' }>;

const head = (context: ChatContext): QueuedRequest | undefined => context.queue[0];
const RESTARTING = 'the chat is restarting; ask again in a moment';

/** The current attempt answered with text: reply with it, count it, take it off the queue. */
const replyWithAnswer = [
  {
    type: 'reply',
    params: ({ context, event }: { context: ChatContext; event: AnsweredEvent }) => ({
      id: event.id,
      text: event.text,
      answered: true,
      attempts: context.attempt + 1,
    }),
  },
  'countAnswered',
  'dequeue',
] as const;

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
    countAnswered: assign({ answered: ({ context }) => context.answered + 1 }),
    countRefused: assign({ refused: ({ context }) => context.refused + 1 }),
  },
  guards: {
    queueFull: ({ context }) => context.queue.length >= context.maxQueue,
    hasQueue: ({ context }) => context.queue.length > 0,
    isCurrentTurn: ({ context, event }) => {
      const turn = event as TurnEvent;
      return head(context)?.id === turn.id && turn.attempt === context.attempt;
    },
    /** The current attempt's answer, and not an empty one. */
    isCurrentAnswer: ({ context, event }) => {
      const turn = event as AnsweredEvent;
      return head(context)?.id === turn.id && turn.attempt === context.attempt && turn.text.trim() !== '';
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
          'countRefused',
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
              { guard: 'isCurrentAnswer', target: '#chat.idle', actions: replyWithAnswer },
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
            'countRefused',
          ],
        },
        'TURN.ANSWERED': [
          { guard: 'isCurrentAnswer', target: 'drained', actions: replyWithAnswer },
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
