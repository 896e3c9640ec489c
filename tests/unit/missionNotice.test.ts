// The notice of how a mission ended is part of the record's last transition (so the two cannot
// part), one id per mission (so the outbox dedupes a second send), and let go once sent.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { noticeId, withoutNotice } from '../../src/missions/notice.js';
import { expireLease, finishMission } from '../../src/missions/transitions.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const backoff = { initialMs: 1_000, maxMs: 30_000 };
const T = MISSION_T0;
const running = (over: Partial<Mission> = {}) =>
  missionRecord({ status: 'running', attempts: 1, lease: { runner: 'r1', until: T + 30_000 }, startedAt: T, ...over });

describe('the notice a finished mission carries', () => {
  it('done: the pipeline report, under the one id of the mission', () => {
    const { mission } = finishMission(
      running(),
      'r1',
      { class: 'success', report: '✅ m1 done: PR #4' },
      T + 1,
      backoff,
    );
    expect(mission.notice).toEqual({ id: 'mission-m1-outcome', text: '✅ m1 done: PR #4' });
    expect(noticeId('m1')).toBe('mission-m1-outcome');
  });

  it('failed: the report (if the pipeline ran) and why, with the error or else the class', () => {
    const failed = (over: Partial<Mission>, outcome: Parameters<typeof finishMission>[2]) =>
      finishMission(running(over), 'r1', outcome, T + 1, backoff).mission;
    expect(failed({ attempts: 3 }, { class: 'permanent', error: 'boom' }).notice).toEqual({
      id: 'mission-m1-outcome',
      text: '❌ mission m1 failed: boom',
    });
    expect(failed({ attempts: 3 }, { class: 'timeout' }).notice?.text).toBe('❌ mission m1 failed: timeout');
    expect(
      failed({}, { class: 'permanent', final: true, error: 'post-mission: push: rejected', report: '⚠️ push rejected' })
        .notice?.text,
    ).toBe('⚠️ push rejected\n❌ mission m1 failed: post-mission: push: rejected');
  });

  it('poison: a mission abandoned by its runner on its last attempt', () => {
    const poison = expireLease(running({ attempts: 3, lease: { runner: 'r1', until: T } }), T + 1)!.mission;
    expect(poison.notice).toEqual({
      id: 'mission-m1-outcome',
      text: '❌ mission m1 failed: abandoned by its runner 3 times (poison)',
    });
  });

  it('none for a mission that goes back to the queue or is cancelled', () => {
    const retried = finishMission(running(), 'r1', { class: 'permanent', error: 'x', report: 'r' }, T + 1, backoff);
    expect(retried.mission.status).toBe('pending');
    expect(retried.mission.notice).toBeUndefined();
    expect(finishMission(running(), 'r1', { class: 'cancelled' }, T + 1, backoff).mission.notice).toBeUndefined();
    expect(expireLease(running({ lease: { runner: 'r1', until: T } }), T + 1)!.mission.notice).toBeUndefined();
  });

  it('is let go only by its own id, once', () => {
    const done = finishMission(running(), 'r1', { class: 'success', report: 'ok' }, T + 1, backoff).mission;
    expect(withoutNotice(done, 'mission-other-outcome')).toBeUndefined();
    const sent = withoutNotice(done, 'mission-m1-outcome')!;
    expect(sent.notice).toBeUndefined();
    expect(sent.status).toBe('done');
    expect(withoutNotice(sent, 'mission-m1-outcome')).toBeUndefined();
  });
});
