// A runner cut off from the bus stops its mission before the lease's deadline passes, so the
// runner the mission goes to next is the only one working on it. docs/scale-out.md#work-on-any-host
import { describe, expect, it } from 'vitest';
import { LeaseHold, leaseHoldMargin } from '../../src/runner/leaseHold.js';

describe('LeaseHold', () => {
  it('gives up a margin before the deadline of the last renewal that landed', () => {
    const hold = new LeaseHold(30_000, 5_000);
    expect(hold.msLeft(0)).toBe(25_000);
    expect(hold.msLeft(20_000)).toBe(5_000);
    expect(hold.msLeft(25_000)).toBe(0);
    expect(hold.msLeft(40_000)).toBe(0);
  });

  it('moves the deadline with each renewal, never back', () => {
    const hold = new LeaseHold(30_000, 5_000);
    hold.renewed(40_000);
    expect(hold.msLeft(10_000)).toBe(25_000);
    hold.renewed(35_000); // an older renewal answered late
    expect(hold.msLeft(10_000)).toBe(25_000);
    expect(hold.reason()).toMatch(/could not be renewed before its deadline \(1970-01-01T00:00:40\.000Z\)/);
  });

  it('gives up early enough for the agent to be gone by the deadline, where the lease leaves room', () => {
    // Test timings: lease 5 s, renewals every 1 s, 1 s from SIGTERM to SIGKILL.
    expect(leaseHoldMargin({ leaseMs: 5_000, renewMs: 1_000, killGraceMs: 1_000 })).toBe(1_500);
    // The defaults (30 s, 10 s, 5 s): no room past half an interval without giving up after one
    // missed renewal; the runner gives up at 25 s, after the second.
    expect(leaseHoldMargin({ leaseMs: 30_000, renewMs: 10_000, killGraceMs: 5_000 })).toBe(5_000);
    expect(leaseHoldMargin({ leaseMs: 60_000, renewMs: 10_000, killGraceMs: 5_000 })).toBe(10_000);
    // A lease barely longer than its renewals: half an interval, as ever.
    expect(leaseHoldMargin({ leaseMs: 1_500, renewMs: 1_000, killGraceMs: 5_000 })).toBe(500);
  });
});
