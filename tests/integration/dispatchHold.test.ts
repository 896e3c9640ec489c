// The hold in the state bucket against a real nats-server: two runners told to wait keep the
// later time, whatever order they write in, and a hold is capped.
import { describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/index.js';
import { holdDispatch, MAX_HOLD_MS, readHold } from '../../src/missions/dispatchHold.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
let counter = 0;

async function stateKv(): Promise<JsonKv> {
  const bus = await nats.connect('hold', `h${++counter}`);
  return JsonKv.open(bus, bus.subjects.stateBucket);
}

describe('dispatch hold', () => {
  it('keeps the later of two holds, written in either order, and at once from many writers', async () => {
    const kv = await stateKv();
    expect(await readHold(kv)).toBeUndefined();
    await holdDispatch(kv, { until: 5_000, reason: 'a', by: 'runner-1', at: 0 });
    await holdDispatch(kv, { until: 3_000, reason: 'b', by: 'runner-2', at: 0 });
    expect(await readHold(kv)).toMatchObject({ until: 5_000, by: 'runner-1' });
    await holdDispatch(kv, { until: 9_000, reason: 'c', by: 'runner-3', at: 0 });
    expect(await readHold(kv)).toMatchObject({ until: 9_000, by: 'runner-3' });

    const racing = await stateKv();
    await Promise.all(
      [4_000, 8_000, 6_000, 7_000].map((until, i) =>
        holdDispatch(racing, { until, reason: 'r', by: `runner-${i}`, at: 0 }),
      ),
    );
    expect((await readHold(racing))?.until).toBe(8_000);
  });

  it(`is capped at ${MAX_HOLD_MS / 3_600_000} h from when it was asked`, async () => {
    const kv = await stateKv();
    const held = await holdDispatch(kv, { until: 1_000 + 48 * 3_600_000, reason: 'x', by: 'runner-1', at: 1_000 });
    expect(held.until).toBe(1_000 + MAX_HOLD_MS);
  });
});
