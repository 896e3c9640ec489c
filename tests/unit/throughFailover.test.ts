// A missions request during the missions actor's fail-over: "nobody is listening" is waited out
// for a bounded time, anything else is answered at once. src/bus/throughFailover.ts
import { describe, expect, it } from 'vitest';
import { failoverWaitMs, FAILOVER_RETRY_MS, requestThroughFailover } from '../../src/bus/throughFailover.js';
import { NoResponderError, RemoteError, TimeoutError } from '../../src/errors.js';

/** An ask that fails with each of `failures` in turn, then answers 'ok'; a hand clock. */
function rig(failures: unknown[], waitMs: number) {
  let t = 0;
  const asked: number[] = [];
  const waits: number[] = [];
  const ask = async () => {
    asked.push(t);
    const failure = failures.shift();
    if (failure) throw failure;
    return 'ok';
  };
  const options = {
    waitMs,
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    onWait: (ms: number) => waits.push(ms),
  };
  return { run: () => requestThroughFailover(ask, options), asked, waits };
}

const nobody = () => new NoResponderError('roshi.missions.add: nobody is listening');

describe('a request through a fail-over', () => {
  it('asks again while nobody is listening and returns the first answer, saying once that it waits', async () => {
    const { run, asked, waits } = rig([nobody(), nobody(), nobody()], 30_000);
    await expect(run()).resolves.toBe('ok');
    expect(asked).toEqual([0, 1, 2, 3].map((n) => n * FAILOVER_RETRY_MS));
    expect(waits).toEqual([30_000]);
  });

  it('gives up with "nobody is listening" once the wait is over', async () => {
    const { run, asked } = rig(Array.from({ length: 100 }, nobody), 1_000);
    await expect(run()).rejects.toBeInstanceOf(NoResponderError);
    expect(asked.at(-1)).toBeLessThanOrEqual(1_000);
    expect(asked.length).toBe(1_000 / FAILOVER_RETRY_MS + 1);
  });

  it('answers "nobody is listening" at once when there is nothing to wait for (one host)', async () => {
    const { run, asked, waits } = rig([nobody()], 0);
    await expect(run()).rejects.toBeInstanceOf(NoResponderError);
    expect(asked).toEqual([0]);
    expect(waits).toEqual([]);
  });

  it('never repeats a request that may have been received: a timeout or a refusal is final', async () => {
    for (const failure of [new TimeoutError('no answer'), new RemoteError('duplicate', 'duplicate')]) {
      const { run, asked } = rig([failure], 30_000);
      await expect(run()).rejects.toBe(failure);
      expect(asked).toEqual([0]);
    }
  });
});

describe('how long a client waits out a fail-over', () => {
  it('is two lease times with host.id set and nothing on one host', () => {
    expect(failoverWaitMs({ host: { id: 'h1' }, supervision: { leaseTtl: 15_000 } })).toBe(30_000);
    expect(failoverWaitMs({ host: { id: '' }, supervision: { leaseTtl: 15_000 } })).toBe(0);
  });
});
