// The one timed wait (src/time/sleep.ts): resolves after the delay or at abort, never rejects.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../src/time/sleep.js';

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves after ms', async () => {
    let done = false;
    void sleep(1_000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('resolves at once when the signal aborts, and clears its timer', async () => {
    const controller = new AbortController();
    let done = false;
    void sleep(60_000, { signal: controller.signal }).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves at once for a signal already aborted', async () => {
    await expect(sleep(60_000, { signal: AbortSignal.abort() })).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sleep unref', () => {
  it('a timer asked to unref does not hold the process', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      await sleep(1, { unref: true });
      const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await sleep(1);
      expect((spy.mock.results.at(-1)?.value as NodeJS.Timeout).hasRef()).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});
