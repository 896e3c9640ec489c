// The web actor's machine: it serves the live page until drained, counting the pages attached
// and the requests refused (for status and inspection). Pure: the HTTP server and the NATS feed
// live in the actor (src/actors/web.ts). docs/observability.md#the-live-page
import { assign, setup } from 'xstate';

export interface WebContext {
  pages: number;
  refused: number;
  actions: number;
}

export type WebEvent =
  | { type: 'PAGE.OPENED' }
  | { type: 'PAGE.CLOSED' }
  | { type: 'REFUSED' }
  | { type: 'ACTION' }
  | { type: 'DRAIN' };

export const webMachine = setup({
  types: { context: {} as WebContext, events: {} as WebEvent },
}).createMachine({
  id: 'web',
  context: { pages: 0, refused: 0, actions: 0 },
  initial: 'serving',
  states: {
    serving: {
      on: {
        'PAGE.OPENED': { actions: assign({ pages: ({ context }) => context.pages + 1 }) },
        'PAGE.CLOSED': { actions: assign({ pages: ({ context }) => Math.max(0, context.pages - 1) }) },
        REFUSED: { actions: assign({ refused: ({ context }) => context.refused + 1 }) },
        ACTION: { actions: assign({ actions: ({ context }) => context.actions + 1 }) },
        DRAIN: 'draining',
      },
    },
    draining: { type: 'final' },
  },
});
