// The webhook actor's machine: it serves until drained, counting what it answered GitHub (for
// status and inspection). Pure: the HTTP endpoint and the durable record live in the actor
// (src/actors/webhook.ts). docs/github.md#webhooks
import { assign, setup } from 'xstate';

export type WebhookOutcome = 'recorded' | 'duplicate' | 'ignored' | 'refused' | 'failed';

export interface WebhookContext {
  answered: Record<WebhookOutcome, number>;
  lastDeliveryAt?: number;
}

export type WebhookEvent = { type: 'ANSWERED'; outcome: WebhookOutcome; at: number } | { type: 'DRAIN' };

export const webhookMachine = setup({
  types: { context: {} as WebhookContext, events: {} as WebhookEvent },
}).createMachine({
  id: 'webhook',
  context: { answered: { recorded: 0, duplicate: 0, ignored: 0, refused: 0, failed: 0 } },
  initial: 'serving',
  states: {
    serving: {
      on: {
        ANSWERED: {
          actions: assign(({ context, event }) => ({
            answered: { ...context.answered, [event.outcome]: context.answered[event.outcome] + 1 },
            ...(event.outcome === 'recorded' || event.outcome === 'duplicate' ? { lastDeliveryAt: event.at } : {}),
          })),
        },
        DRAIN: 'draining',
      },
    },
    draining: { type: 'final' },
  },
});
