// What an index knows of finished missions without holding them all: how many the bucket has
// of each status, and the newest few of each, for listings, missions.md and the chat. Older
// ones are read by key on demand (docs/missions.md#retention).
import type { Mission, MissionStatus } from '../../contracts/index.js';
import type { IndexEntry } from './indexEntry.js';

export type FinishedStatus = Extract<MissionStatus, 'done' | 'failed' | 'cancelled'>;
export const FINISHED_STATUSES: readonly FinishedStatus[] = ['done', 'failed', 'cancelled'];

export function isFinishedStatus(status: unknown): status is FinishedStatus {
  return FINISHED_STATUSES.includes(status as FinishedStatus);
}

/** When a mission finished, for "newest first". */
const finishedTime = (m: Mission): number => m.finishedAt ?? m.updatedAt;

/** a before b when a finished later (ties: the larger id first, as listings order them). */
function newerFirst(a: Mission, b: Mission): number {
  return finishedTime(b) - finishedTime(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export class FinishedMissions {
  readonly counts: Record<FinishedStatus, number> = { done: 0, failed: 0, cancelled: 0 };
  /** The newest `keep` of each status, newest first. */
  private readonly recent: Record<FinishedStatus, IndexEntry[]> = { done: [], failed: [], cancelled: [] };
  private readonly byId = new Map<string, IndexEntry>();

  constructor(private readonly keep: number) {}

  get total(): number {
    return this.counts.done + this.counts.failed + this.counts.cancelled;
  }

  entry(id: string): IndexEntry | undefined {
    return this.byId.get(id);
  }

  *entries(): Generator<IndexEntry> {
    for (const status of FINISHED_STATUSES) yield* this.recent[status];
  }

  /** One more finished mission in the bucket; held when it is among the newest of its status. */
  add(entry: IndexEntry): void {
    const status = entry.mission.status as FinishedStatus;
    this.counts[status]++;
    const list = this.recent[status];
    let at = list.length;
    while (at > 0 && newerFirst(entry.mission, (list[at - 1] as IndexEntry).mission) < 0) at--;
    if (at >= this.keep) return;
    list.splice(at, 0, entry);
    this.byId.set(entry.mission.id, entry);
    if (list.length > this.keep) this.byId.delete((list.pop() as IndexEntry).mission.id);
  }

  /** A held mission left the bucket (or stopped being finished): uncounted and dropped. */
  remove(id: string): IndexEntry | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.byId.delete(id);
    const status = entry.mission.status as FinishedStatus;
    const list = this.recent[status];
    list.splice(list.indexOf(entry), 1);
    this.uncount(status);
    return entry;
  }

  /** A finished mission that is not held left the bucket. */
  uncount(status: FinishedStatus): void {
    this.counts[status] = Math.max(0, this.counts[status] - 1);
  }
}

/** Finished missions an index holds per status: enough for missions.md and a listing's tail. */
export function recentPerStatus(settings: { keepDone: number; keepFailed: number }): number {
  return Math.max(RECENT_FLOOR, settings.keepDone, settings.keepFailed);
}

/** At least this many per status, so `mission list` still shows some history. */
const RECENT_FLOOR = 50;
