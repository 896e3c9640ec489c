// The lifecycle every actor process has: running until told to drain. Actors whose
// capabilities are not built yet (or that need nothing more) host this machine alone.
import { setup } from 'xstate';

export const actorLifecycleMachine = setup({
  types: { events: {} as { type: 'DRAIN' } },
}).createMachine({
  id: 'lifecycle',
  initial: 'running',
  states: {
    running: { on: { DRAIN: 'drained' } },
    drained: { type: 'final' },
  },
});
