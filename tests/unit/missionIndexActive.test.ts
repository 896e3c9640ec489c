// The mission index keeps only pending and running missions (plus a few recent finished ones per
// status for listings) however many finished missions the bucket holds, and still counts them
// all: docs/missions.md#retention.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { newMissionId } from '../../src/missions/ids.js';
import { MissionIndex } from '../../src/missions/store/missionIndex.js';

const T = 1_700_000_000_000;

function mission(over: Partial<Mission> = {}): Mission {
  return {
    id: newMissionId(T),
    text: 'fix it',
    project: 'app',
    kind: 'free',
    source: 'cli',
    status: 'pending',
    order: 1,
    attempts: 0,
    transientAttempts: 0,
    maxAttempts: 3,
    maxTransientAttempts: 4,
    createdAt: T,
    updatedAt: T,
    ...over,
  };
}

function finished(i: number, status: 'done' | 'failed' | 'cancelled' = 'done'): Mission {
  return mission({ status, finishedAt: T + i, updatedAt: T + i, order: i });
}

describe('mission index', () => {
  it('ignores finished missions beyond the recent few, but counts them all', () => {
    const index = new MissionIndex(undefined, { recentPerStatus: 5 });
    let revision = 0;
    for (let i = 0; i < 1000; i++) {
      const m = finished(i, i % 10 === 0 ? 'failed' : 'done');
      index.watched(m.id, m, ++revision);
    }
    const pending = mission({ order: 2000 });
    const running = mission({ status: 'running', startedAt: T, order: 2001 });
    index.watched(pending.id, pending, ++revision);
    index.watched(running.id, running, ++revision);

    const held = [...index.missions()];
    expect(held.filter((m) => m.status === 'pending' || m.status === 'running')).toHaveLength(2);
    expect(held.filter((m) => m.status === 'done')).toHaveLength(5);
    expect(held.filter((m) => m.status === 'failed')).toHaveLength(5);
    // the newest finished ones are those kept
    expect(held.filter((m) => m.status === 'done').map((m) => m.finishedAt)).toEqual(
      [999, 998, 997, 996, 995].map((i) => T + i),
    );
    expect(index.counts()).toEqual({
      pending: 1,
      running: 1,
      awaiting_approval: 0,
      done: 900,
      failed: 100,
      cancelled: 0,
    });
    expect(index.size).toBe(1002);
    // the queue order still follows every mission seen
    expect(index.maxOrder).toBe(2001);
  });

  it('a mission finishing leaves the active set; its echo from the watch is not counted twice', () => {
    const index = new MissionIndex(undefined, { recentPerStatus: 5 });
    const m = mission();
    index.watched(m.id, m, 1);
    const done = { ...m, status: 'done' as const, finishedAt: T + 5, updatedAt: T + 5 };
    index.apply(m.id, done, 2); // our own write
    expect(index.counts()).toMatchObject({ pending: 0, done: 1 });
    index.watched(m.id, done, 2); // the watch delivers the same write
    expect(index.counts()).toMatchObject({ pending: 0, done: 1 });
  });

  it('a replay after a reconnect does not count finished missions again', () => {
    const index = new MissionIndex(undefined, { recentPerStatus: 1 });
    const olds = [finished(1), finished(2), finished(3)];
    olds.forEach((m, i) => index.watched(m.id, m, i + 1));
    olds.forEach((m, i) => index.watched(m.id, m, i + 1));
    expect(index.counts().done).toBe(3);
  });

  it('a finished mission read by key is answered but not kept', () => {
    const index = new MissionIndex(undefined, { recentPerStatus: 1 });
    const newer = finished(9);
    index.watched(newer.id, newer, 1);
    const old = finished(1);
    expect('mission' in index.applyStored(old.id, old, 2)).toBe(true);
    expect(index.has(old.id)).toBe(false);
    expect(index.counts().done).toBe(1);
  });

  it('a deletion marked with the status it had takes the mission out of the counts', () => {
    const index = new MissionIndex(undefined, { recentPerStatus: 1 });
    const a = finished(1, 'failed');
    const b = finished(2, 'failed');
    index.watched(a.id, a, 1);
    index.watched(b.id, b, 2);
    index.markLoaded();
    expect(index.has(a.id)).toBe(false); // only the newest is held
    index.watchedDelete(a.id, 3, { status: 'failed' });
    index.watchedDelete(b.id, 4, { status: 'failed' });
    expect(index.counts().failed).toBe(0);
    expect(index.size).toBe(0);
    // deletions replayed after a reconnect change nothing
    index.watchedDelete(a.id, 3, { status: 'failed' });
    expect(index.counts().failed).toBe(0);
  });
});
