// The missions actor's rhythm: while serving, every reapInterval (lease / 3) it asks its host
// to return abandoned missions to the queue. The queue itself is data in the KV bucket and an
// index beside it (src/missions/store.ts); requests, missions.md rendering and importing are
// driven by events outside this machine. Draining stops the reaper.
import { setup } from 'xstate';

export interface MissionsStewardInput {
  reapIntervalMs: number;
}

export const missionsStewardMachine = setup({
  types: {
    context: {} as { reapIntervalMs: number },
    events: {} as { type: 'DRAIN' },
    input: {} as MissionsStewardInput,
  },
  actions: {
    reapLeases: () => {},
  },
  delays: {
    reapInterval: ({ context }) => context.reapIntervalMs,
  },
}).createMachine({
  id: 'missionsSteward',
  context: ({ input }) => ({ reapIntervalMs: input.reapIntervalMs }),
  initial: 'serving',
  states: {
    serving: {
      after: {
        reapInterval: { target: 'serving', reenter: true, actions: 'reapLeases' },
      },
      on: { DRAIN: 'drained' },
    },
    drained: { type: 'final' },
  },
});
