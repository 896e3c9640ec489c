// The mission state changes as pure functions: backoff arithmetic, what each outcome does to
// the budgets, leases, cancellation, and refusals of transitions from the wrong status.
import { describe, expect, it } from 'vitest';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';
import { InvalidTransitionError, LeaseLostError } from '../../src/missions/errors.js';
import type { Mission } from '../../src/contracts/index.js';
import {
  cancelMission,
  claimMission,
  decideFinish,
  expireLease,
  finishMission,
  isClaimable,
  renewLease,
  reorderMission,
  retryDelayMs,
  TRANSIENT_BUDGET_SPENT,
} from '../../src/missions/transitions.js';

const backoff = { initialMs: 1_000, maxMs: 30_000 };
const T = MISSION_T0;
const mission = missionRecord;

const running = (over: Partial<Mission> = {}) =>
  mission({ status: 'running', attempts: 1, lease: { runner: 'runner-1', until: T + 30_000 }, startedAt: T, ...over });

describe('retryDelayMs', () => {
  it('min(2^(n-1) × initial, max), the first retry waiting initial', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, backoff))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  it('raised to Retry-After, never lowered by it', () => {
    expect(retryDelayMs(1, backoff, 45_000)).toBe(45_000);
    expect(retryDelayMs(3, backoff, 10)).toBe(4_000);
  });

  it('stays finite for absurd n and ignores nonsense Retry-After', () => {
    expect(retryDelayMs(5_000, backoff)).toBe(30_000);
    expect(retryDelayMs(0, backoff)).toBe(1_000);
    expect(retryDelayMs(2, backoff, Number.NaN)).toBe(2_000);
    expect(retryDelayMs(2, backoff, -5)).toBe(2_000);
  });
});

describe('decideFinish', () => {
  it('success → done; cancelled → cancelled', () => {
    expect(decideFinish(running(), { class: 'success' }, backoff)).toMatchObject({ status: 'done', attempts: 1 });
    expect(decideFinish(running(), { class: 'cancelled' }, backoff).status).toBe('cancelled');
  });

  it('transient: its own budget, the run not counted as an attempt, backoff on the transient count', () => {
    const d = decideFinish(
      running({ attempts: 2, transientAttempts: 1 }),
      { class: 'transient', error: 'HTTP 529 overloaded' },
      backoff,
    );
    expect(d).toMatchObject({ status: 'pending', attempts: 1, transientAttempts: 2, delayMs: 2_000 });
    expect(d.reason).toMatch(/transient failure 2\/4: HTTP 529/);
  });

  it('transient honours Retry-After', () => {
    expect(decideFinish(running(), { class: 'transient', retryAfterMs: 60_000 }, backoff).delayMs).toBe(60_000);
  });

  it('transient: the failure that reaches the budget fails the mission', () => {
    expect(decideFinish(running({ transientAttempts: 2 }), { class: 'transient' }, backoff).status).toBe('pending');
    expect(decideFinish(running({ transientAttempts: 3 }), { class: 'transient' }, backoff)).toMatchObject({
      status: 'failed',
      transientAttempts: 4,
      reason: TRANSIENT_BUDGET_SPENT,
    });
  });

  it('permanent and timeout: retried with backoff while attempts remain, then failed with the error', () => {
    expect(
      decideFinish(running({ attempts: 1 }), { class: 'permanent', error: 'tests fail\nmore' }, backoff),
    ).toMatchObject({ status: 'pending', delayMs: 1_000, reason: 'attempt 1/3: tests fail' });
    expect(decideFinish(running({ attempts: 2 }), { class: 'timeout' }, backoff)).toMatchObject({
      status: 'pending',
      delayMs: 2_000,
      reason: 'attempt 2/3: timed out',
    });
    expect(decideFinish(running({ attempts: 3 }), { class: 'permanent', error: 'tests fail' }, backoff)).toMatchObject({
      status: 'failed',
      reason: 'tests fail',
    });
    expect(decideFinish(running({ attempts: 3 }), { class: 'timeout' }, backoff)).toMatchObject({
      status: 'failed',
      reason: 'timed out',
    });
  });
});

describe('transitions', () => {
  it('claim: pending → running with a lease and one more attempt', () => {
    const t = claimMission(mission({ notBefore: T - 1 }), 'runner-2', T + 5, 30_000);
    expect(t.mission).toMatchObject({
      status: 'running',
      lease: { runner: 'runner-2', until: T + 30_005 },
      attempts: 1,
      startedAt: T + 5,
    });
    expect(t.mission.notBefore).toBeUndefined();
    expect(t).toMatchObject({ event: 'claimed', runner: 'runner-2' });
    expect(() => claimMission(running(), 'runner-2', T, 1)).toThrow(InvalidTransitionError);
  });

  it('isClaimable respects notBefore', () => {
    expect(isClaimable(mission({ notBefore: T + 10 }), T)).toBe(false);
    expect(isClaimable(mission({ notBefore: T + 10 }), T + 10)).toBe(true);
    expect(isClaimable(running(), T)).toBe(false);
  });

  it('renew: only the holder, only while running', () => {
    expect(renewLease(running(), 'runner-1', T + 10_000, 30_000).mission.lease).toEqual({
      runner: 'runner-1',
      until: T + 40_000,
    });
    expect(() => renewLease(running(), 'runner-2', T, 30_000)).toThrow(LeaseLostError);
    expect(() => renewLease(running({ status: 'cancelled' }), 'runner-1', T, 30_000)).toThrow(
      /no longer holds mission m1: it is cancelled/,
    );
    expect(() => renewLease(mission(), 'runner-1', T, 30_000)).toThrow(/back to the queue/);
  });

  it('finish success → done with the result and a duration', () => {
    const t = finishMission(
      running(),
      'runner-1',
      { class: 'success', result: { summary: 'fixed', prUrl: 'https://x/pull/1' } },
      T + 60_000,
      backoff,
    );
    expect(t.mission).toMatchObject({
      status: 'done',
      finishedAt: T + 60_000,
      result: { summary: 'fixed', prUrl: 'https://x/pull/1', durationMs: 60_000 },
    });
    expect(t.mission.lease).toBeUndefined();
    expect(t.event).toBe('finished');
  });

  it('finish permanent with attempts left → pending with notBefore', () => {
    const t = finishMission(running(), 'runner-1', { class: 'permanent', error: 'boom' }, T + 100, backoff);
    expect(t.mission).toMatchObject({ status: 'pending', notBefore: T + 1_100, lastError: 'boom', attempts: 1 });
    expect(t.event).toBe('requeued');
  });

  it('finish transient past the budget → failed', () => {
    const t = finishMission(
      running({ transientAttempts: 3 }),
      'runner-1',
      { class: 'transient', error: '429' },
      T,
      backoff,
    );
    expect(t.mission).toMatchObject({
      status: 'failed',
      attempts: 0,
      transientAttempts: 4,
      result: { error: TRANSIENT_BUDGET_SPENT, errorClass: 'transient' },
    });
    expect(t).toMatchObject({ event: 'failed', reason: TRANSIENT_BUDGET_SPENT });
  });

  it('finish by a runner that lost the lease is refused', () => {
    expect(() => finishMission(running(), 'runner-9', { class: 'success' }, T, backoff)).toThrow(LeaseLostError);
    expect(() => finishMission(mission(), 'runner-1', { class: 'success' }, T, backoff)).toThrow(LeaseLostError);
  });

  it('finish after a cancel records the result and keeps the mission cancelled', () => {
    const cancelled = cancelMission(running(), T, 'cli').mission;
    const t = finishMission(cancelled, 'runner-1', { class: 'cancelled', result: { costUsd: 0.5 } }, T + 1, backoff);
    expect(t.mission).toMatchObject({ status: 'cancelled', result: { costUsd: 0.5, errorClass: 'cancelled' } });
    expect(t.mission.lease).toBeUndefined();
    expect(t.event).toBeUndefined();
  });

  it('expireLease: back to pending, the attempt counted; poison once attempts are spent', () => {
    expect(expireLease(running(), T + 29_999)).toBeUndefined();
    const back = expireLease(running(), T + 30_001);
    expect(back?.mission).toMatchObject({ status: 'pending', attempts: 1 });
    expect(back?.mission.lease).toBeUndefined();
    expect(back).toMatchObject({ event: 'expired', runner: 'runner-1' });
    const poison = expireLease(running({ attempts: 3 }), T + 30_001);
    expect(poison?.mission).toMatchObject({
      status: 'failed',
      result: { error: 'abandoned by its runner 3 times (poison)' },
    });
    expect(poison?.event).toBe('failed');
    expect(expireLease(mission(), T + 1e9)).toBeUndefined();
  });

  it('cancel: pending or running only; a running cancel names its runner', () => {
    expect(cancelMission(mission(), T).runner).toBeUndefined();
    expect(cancelMission(running(), T, 'ana')).toMatchObject({
      event: 'cancelled',
      runner: 'runner-1',
      reason: 'cancelled by ana',
    });
    expect(() => cancelMission(mission({ status: 'done' }), T)).toThrow(
      /cannot cancel mission m1: it is done, and cancel needs pending or running/,
    );
  });

  it('reorder: pending only', () => {
    expect(reorderMission(mission(), -3, T).mission.order).toBe(-3);
    expect(() => reorderMission(running(), 0, T)).toThrow(InvalidTransitionError);
  });
});
