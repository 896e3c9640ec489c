// The watchdog's rhythm: every checkInterval it asks its host to assess every actor it has
// heard from. The liveness table itself is data, kept in an @xstate/store store by the host;
// the verdict rules are in liveness.ts.
import { setup } from 'xstate';

export interface WatchdogInput {
  checkIntervalMs: number;
}

export const watchdogMachine = setup({
  types: {
    context: {} as { checkIntervalMs: number; checks: number },
    events: {} as { type: 'DRAIN' },
    input: {} as WatchdogInput,
  },
  actions: {
    assessAll: () => {},
  },
  delays: {
    checkInterval: ({ context }) => context.checkIntervalMs,
  },
}).createMachine({
  id: 'watchdog',
  context: ({ input }) => ({ checkIntervalMs: input.checkIntervalMs, checks: 0 }),
  initial: 'watching',
  states: {
    watching: {
      after: {
        checkInterval: { target: 'watching', reenter: true, actions: 'assessAll' },
      },
      on: { DRAIN: 'drained' },
    },
    drained: { type: 'final' },
  },
});
