// The missions actor's machine: a reaper tick every reapInterval while serving, none after draining.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { missionsStewardMachine } from '../../machines/missionsSteward.js';

describe('missionsSteward', () => {
  it('reaps every interval until drained', () => {
    const clock = new SimulatedClock();
    let reaps = 0;
    const actor = createActor(missionsStewardMachine.provide({ actions: { reapLeases: () => void reaps++ } }), {
      input: { reapIntervalMs: 10_000 },
      clock,
    });
    actor.start();
    expect(actor.getSnapshot().value).toBe('serving');
    clock.increment(9_999);
    expect(reaps).toBe(0);
    clock.increment(1);
    expect(reaps).toBe(1);
    for (let i = 0; i < 3; i++) clock.increment(10_000);
    expect(reaps).toBe(4);
    actor.send({ type: 'DRAIN' });
    expect(actor.getSnapshot().status).toBe('done');
    for (let i = 0; i < 6; i++) clock.increment(10_000);
    expect(reaps).toBe(4);
  });
});
