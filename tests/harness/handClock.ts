// A clock and a timer queue moved only by the test, for the lease rules' unit tests
// (tests/unit/singletonLease.test.ts, tests/unit/providerLeases.test.ts).
import type { Timers } from '../../src/actors/singletonLease.js';

/** A clock and a timer queue moved only by the test. */
export function handClock() {
  let t = 10_000;
  let nextId = 0;
  const due = new Map<number, { at: number; run: () => void }>();
  const timers: Timers = {
    set: (run, ms) => {
      due.set(++nextId, { at: t + ms, run });
      return nextId;
    },
    clear: (handle) => void due.delete(handle as number),
  };
  /** Moves the clock by `ms`, running each timer that falls due, in order, letting its promises settle. */
  const advance = async (ms: number) => {
    const end = t + ms;
    for (;;) {
      const next = [...due.entries()].filter(([, d]) => d.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      due.delete(next[0]);
      t = next[1].at;
      next[1].run();
      await settle();
    }
    t = end;
    await settle();
  };
  return { now: () => t, timers, advance, pending: () => due.size };
}

export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
