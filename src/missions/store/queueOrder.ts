// Queue positions: the `order` a mission gets when added at the head or tail, or moved by
// `priority`. Lower goes first; orders may be negative or fractional (docs/missions.md#the-record).
import type { Mission } from '../../contracts/index.js';
import { compareQueue } from '../transitions.js';
import type { ReorderTarget } from './types.js';

/** The lowest pending order (leaving out `except`), or maxOrder + 1 when nothing is pending. */
export function minPendingOrder(missions: Iterable<Mission>, maxOrder: number, except?: string): number {
  let min = maxOrder + 1;
  for (const mission of missions) {
    if (mission.status === 'pending' && mission.id !== except && mission.order < min) min = mission.order;
  }
  return min;
}

/** The pending missions in queue order, leaving out `except`. */
export function pendingQueue(missions: Iterable<Mission>, except?: string): Mission[] {
  const pending: Mission[] = [];
  for (const mission of missions) if (mission.status === 'pending' && mission.id !== except) pending.push(mission);
  return pending.sort(compareQueue);
}

/** The order that puts mission `id` at `to`: the head, the tail, or a 1-based pending position. */
export function orderFor(missions: Iterable<Mission>, maxOrder: number, id: string, to: ReorderTarget): number {
  if (to === 'top') return minPendingOrder(missions, maxOrder, id) - 1;
  const queue = pendingQueue(missions, id);
  const last = queue[queue.length - 1];
  if (to === 'bottom' || to > queue.length) return Math.max(maxOrder, last?.order ?? 0) + 1;
  if (to === 1) return minPendingOrder(queue, maxOrder) - 1; // the queue already leaves `id` out
  const before = queue[to - 2] as Mission;
  const after = queue[to - 1] as Mission;
  return (before.order + after.order) / 2;
}
