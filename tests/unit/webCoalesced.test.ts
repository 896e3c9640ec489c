// The live feed's one-at-a-time asking: a burst of calls while one runs makes exactly one more.
import { describe, expect, it } from 'vitest';
import { coalesced } from '../../src/web/coalesced.js';

describe('coalesced', () => {
  it('runs one at a time and once more after a burst', async () => {
    let runs = 0;
    let release: (() => void) | undefined;
    const ask = coalesced(async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
    });
    const first = ask();
    void ask();
    void ask();
    expect(runs).toBe(1);
    release!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    release!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toBe(2);
    void ask();
    expect(runs).toBe(3);
    release!();
  });
});
