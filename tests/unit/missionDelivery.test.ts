// A finished agent run is remembered on the record (only its holder may say so), survives the
// lease running out, and is gone once the mission finishes or is cancelled: a retry after a
// failed delivery runs the agent afresh.
import { describe, expect, it } from 'vitest';
import type { AgentDelivery, Mission } from '../../src/contracts/index.js';
import { LeaseLostError } from '../../src/missions/errors.js';
import {
  cancelMission,
  claimMission,
  expireLease,
  finishMission,
  recordDelivery,
} from '../../src/missions/transitions.js';
import { missionRecordProblem } from '../../src/missions/validate.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const backoff = { initialMs: 1_000, maxMs: 30_000 };
const T = MISSION_T0;
const DELIVERY: AgentDelivery = { summary: 'wrote it', costUsd: 0.01, durationMs: 900, attempt: 1, at: T + 5 };
const running = (over: Partial<Mission> = {}) =>
  missionRecord({ status: 'running', attempts: 1, lease: { runner: 'r1', until: T + 30_000 }, startedAt: T, ...over });

describe('the delivery checkpoint of a mission', () => {
  it('is written by the runner that holds the mission, and by no other', () => {
    expect(recordDelivery(running(), 'r1', DELIVERY, T + 6).mission.delivery).toEqual(DELIVERY);
    expect(() => recordDelivery(running(), 'r2', DELIVERY, T + 6)).toThrow(LeaseLostError);
  });

  it('outlives its runner: the expired lease and the next claim keep it', () => {
    const remembered = recordDelivery(running({ lease: { runner: 'r1', until: T } }), 'r1', DELIVERY, T).mission;
    const requeued = expireLease(remembered, T + 1)!.mission;
    expect(requeued.status).toBe('pending');
    expect(claimMission(requeued, 'r2', T + 2, 30_000).mission.delivery).toEqual(DELIVERY);
  });

  it('is gone once the mission finishes, however it finishes, or is cancelled', () => {
    const remembered = recordDelivery(running(), 'r1', DELIVERY, T + 6).mission;
    for (const outcome of [{ class: 'success' }, { class: 'permanent', error: 'push rejected' }] as const) {
      expect(finishMission(remembered, 'r1', outcome, T + 7, backoff).mission.delivery).toBeUndefined();
    }
    expect(cancelMission(remembered, T + 7).mission.delivery).toBeUndefined();
  });

  it('is checked when read back from the bucket', () => {
    const stored = { ...missionRecord(), delivery: DELIVERY };
    expect(missionRecordProblem('m1', stored)).toBeUndefined();
    expect(missionRecordProblem('m1', { ...stored, delivery: { summary: 'x' } })).toMatch(/field "delivery"/);
  });
});
