// The wire payloads of src/contracts/: each parser keeps what is usable and refuses the rest.
import { describe, expect, it } from 'vitest';
import {
  controlVerb,
  missionEvent,
  toHeartbeatRecord,
  toMissionEvent,
  type Mission,
} from '../../src/contracts/index.js';

describe('toHeartbeatRecord', () => {
  it('stamps the receive time and fills unusable optional fields with empty values', () => {
    expect(
      toHeartbeatRecord(
        { actor: 'chat', pid: 7, bootId: 'b', buildId: 'x', seq: 'nope', loopLagMs: Infinity, sentAt: 1 },
        50,
      ),
    ).toEqual({
      actor: 'chat',
      pid: 7,
      bootId: 'b',
      host: '',
      buildId: 'x',
      state: '',
      seq: 0,
      uptimeMs: 0,
      loopLagMs: 0,
      rssBytes: 0,
      receivedAt: 50,
    });
  });

  it('refuses a beat without actor, pid or boot id', () => {
    expect(toHeartbeatRecord({ pid: 7, bootId: 'b' }, 1)).toBeUndefined();
    expect(toHeartbeatRecord({ actor: 'chat', pid: '7', bootId: 'b' }, 1)).toBeUndefined();
    expect(toHeartbeatRecord({ actor: 'chat', pid: 7 }, 1)).toBeUndefined();
  });
});

describe('mission events', () => {
  const mission = {
    id: 'm-1',
    status: 'queued',
    project: 'roshi',
    kind: 'task',
    text: 'do it',
    source: 'cli',
    by: 'op',
    attempts: 0,
    maxAttempts: 3,
    transientAttempts: 0,
    maxTransientAttempts: 5,
    notBefore: 99,
  } as unknown as Mission;

  it('builds an event that reads back through toMissionEvent', () => {
    const event = missionEvent('requeued', mission, 10, { reason: 'busy' });
    expect(event).toMatchObject({
      type: 'requeued',
      id: 'm-1',
      at: 10,
      status: 'queued',
      by: 'op',
      reason: 'busy',
      notBefore: 99,
    });
    expect(toMissionEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('keeps notBefore only on a requeue', () => {
    expect(missionEvent('added', mission, 10)).not.toHaveProperty('notBefore');
  });

  it('refuses an unknown type or a missing id', () => {
    expect(toMissionEvent({ type: 'exploded', id: 'm-1', at: 1, status: 'queued' })).toBeUndefined();
    expect(toMissionEvent({ type: 'added', at: 1, status: 'queued' })).toBeUndefined();
  });
});

describe('controlVerb', () => {
  it('reads the verb, or gives the empty verb no table knows', () => {
    expect(controlVerb({ verb: 'ping' })).toBe('ping');
    expect(controlVerb({ verb: 3 })).toBe('');
    expect(controlVerb({})).toBe('');
  });
});
