// The shared polling wait of the tests: the first truthy value, async checks, and a timeout
// that names what was awaited and carries the caller's detail.
import { describe, expect, it } from 'vitest';
import { until } from '../harness/until.js';

describe('until', () => {
  it('returns the first truthy value a sync or async check yields', async () => {
    let n = 0;
    await expect(until(() => (++n >= 3 ? n : undefined), 'three checks', { intervalMs: 1 })).resolves.toBe(3);
    let m = 0;
    await expect(until(async () => ++m === 2 && 'done', 'two async checks', { intervalMs: 1 })).resolves.toBe('done');
  });

  it('times out naming what it waited for, with the detail', async () => {
    await expect(
      until(() => false, 'never', { timeoutMs: 30, intervalMs: 5, detail: () => 'the log' }),
    ).rejects.toThrow(/^timed out waiting for never\nthe log$/);
  });
});
