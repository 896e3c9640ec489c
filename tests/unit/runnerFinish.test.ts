// How a mission ended is recorded through a short bus outage, and a refusal about the record
// (the lease went to another runner) is not argued with. src/actors/runnerFinish.ts
import { describe, expect, it } from 'vitest';
import { recordFinish } from '../../src/actors/runnerFinish.js';
import { silentLogger } from '../../src/log.js';
import { LeaseLostError } from '../../src/missions/errors.js';
import type { MissionOutcome } from '../../src/missions/transitions.js';
import { missionRecord } from '../harness/missionRecord.js';

const mission = missionRecord({ status: 'running' });
const outcome = { class: 'success', result: { summary: 'done' } } as MissionOutcome;

/** A store whose finish fails with each of `failures` in turn, then records; and a hand clock. */
function rig(failures: unknown[]) {
  let t = 0;
  const calls: number[] = [];
  const store = {
    finish: async () => {
      calls.push(t);
      const failure = failures.shift();
      if (failure) throw failure;
      return { ...mission, status: 'done' as const };
    },
  };
  const options = {
    logger: silentLogger(),
    giveUpAfterMs: 5_000,
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
  return { store, options, calls };
}

describe('recordFinish', () => {
  it('tries again through a bus outage, with growing pauses', async () => {
    const { store, options, calls } = rig([new Error('TIMEOUT'), new Error('CONNECTION_CLOSED')]);
    const finished = await recordFinish(store, mission, 'runner-1', outcome, options);
    expect(finished.status).toBe('done');
    expect(calls).toEqual([0, 100, 300]);
  });

  it('takes a lost lease as final', async () => {
    const { store, options, calls } = rig([new LeaseLostError(mission.id, 'runner-1', 'claimed by runner-2')]);
    await expect(recordFinish(store, mission, 'runner-1', outcome, options)).rejects.toBeInstanceOf(LeaseLostError);
    expect(calls).toHaveLength(1);
  });

  it('gives up once the lease would have run out', async () => {
    const { store, options, calls } = rig(Array.from({ length: 50 }, () => new Error('TIMEOUT')));
    await expect(recordFinish(store, mission, 'runner-1', outcome, options)).rejects.toThrow('TIMEOUT');
    expect(calls.at(-1)).toBeLessThanOrEqual(5_000);
    expect(calls.length).toBeGreaterThan(3);
  });
});
