// Queue positions and listing order of the mission store, as pure functions over missions.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { compareListing } from '../../src/missions/store/queries.js';
import { minPendingOrder, orderFor, pendingQueue } from '../../src/missions/store/queueOrder.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const T = MISSION_T0;
const mission = (id: string, over: Partial<Mission> = {}): Mission => missionRecord({ id, ...over });

// a(1) b(2) c(3) pending; d running with order 0 (not in the queue); maxOrder 3.
const missions = [
  mission('c', { order: 3 }),
  mission('a', { order: 1 }),
  mission('d', { order: 0, status: 'running', startedAt: T }),
  mission('b', { order: 2 }),
];

describe('queue order', () => {
  it('lists the pending queue by order, leaving one out on request', () => {
    expect(pendingQueue(missions).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(pendingQueue(missions, 'b').map((m) => m.id)).toEqual(['a', 'c']);
  });

  it('finds the lowest pending order, or maxOrder + 1 when nothing is pending', () => {
    expect(minPendingOrder(missions, 3)).toBe(1);
    expect(minPendingOrder(missions, 3, 'a')).toBe(2);
    expect(minPendingOrder([], 7)).toBe(8);
  });

  it('moves to the head, the tail, and between two neighbours', () => {
    expect(orderFor(missions, 3, 'c', 'top')).toBe(0);
    expect(orderFor(missions, 3, 'c', 1)).toBe(0);
    expect(orderFor(missions, 3, 'a', 'bottom')).toBe(4);
    expect(orderFor(missions, 3, 'a', 99)).toBe(4);
    expect(orderFor(missions, 3, 'c', 2)).toBe(1.5);
    expect(orderFor(missions, 3, 'a', 2)).toBe(2.5);
  });
});

describe('listing order', () => {
  it('puts running first, then pending in queue order, then finished newest first', () => {
    const listed = [
      mission('old', { status: 'done', finishedAt: T + 1 }),
      mission('p2', { order: 2 }),
      mission('new', { status: 'failed', finishedAt: T + 2 }),
      mission('r', { status: 'running', startedAt: T }),
      mission('p1', { order: 1 }),
    ].sort(compareListing);
    expect(listed.map((m) => m.id)).toEqual(['r', 'p1', 'p2', 'new', 'old']);
  });
});
