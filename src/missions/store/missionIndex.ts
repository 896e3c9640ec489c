// The store's in-memory index: the pending and running missions by id with their KV revision,
// fed by the bucket watch and by this process's own writes (read your writes). Finished
// missions are only counted, and the newest few of each status held (store/finishedMissions.ts):
// every runner, the missions actor and chat keep an index, and the bucket may hold thousands of
// finished missions (docs/missions.md#retention). It is eventually consistent with the bucket; a
// stale entry can only cost a refused compare-and-set. Values that do not validate are
// quarantined (docs/missions.md#invalid-records); pending or running command missions are
// tracked by URL for de-duplication (docs/missions.md#dedupe).
import type { Logger } from '../../log.js';
import { isFinished, type Mission, type MissionKind, type MissionStatus } from '../../contracts/index.js';
import { normalizeUrl } from '../parse.js';
import { asMission } from '../validate.js';
import { FinishedMissions, isFinishedStatus } from './finishedMissions.js';
import type { IndexEntry } from './indexEntry.js';
import type { MissionChangeListener, QuarantinedRecord } from './types.js';

export type { IndexEntry } from './indexEntry.js';

export interface MissionIndexOptions {
  /** Finished missions held per status (the newest); the rest are only counted. */
  recentPerStatus: number;
}

/** How a value reached the index: this process wrote or read it, or the watch delivered it. */
type Source = 'local' | 'watch';

export class MissionIndex {
  /** Pending and running missions. */
  private readonly active = new Map<string, IndexEntry>();
  private readonly finished: FinishedMissions;
  /** Finished missions this process wrote or read before the watch delivered them: counted already. */
  private readonly echoes = new Map<string, number>();
  /** The highest revision the watch delivered: anything at or below it after a reconnect is a replay. */
  private watchedUpTo = 0;
  /** Set once the watch delivered what the bucket held at its start (deletions before then were never counted). */
  private loaded = false;
  /** Keys whose current value does not validate, with why (reported once per key and reason). */
  private readonly quarantine = new Map<string, QuarantinedRecord>();
  /** Pending or running command missions by kind + normalised URL → id, for de-duplication. */
  private readonly dedupe = new Map<string, string>();
  private readonly listeners = new Set<MissionChangeListener>();
  /** The highest queue order seen or handed out: a mission added at the tail goes after it. */
  maxOrder = 0;

  constructor(
    private readonly logger: Logger | undefined,
    options: MissionIndexOptions = { recentPerStatus: 50 },
  ) {
    this.finished = new FinishedMissions(options.recentPerStatus);
  }

  /** Missions in the bucket as far as the index knows: the active ones and every finished one counted. */
  get size(): number {
    return this.active.size + this.finished.total;
  }

  /** An active mission, or a finished one among the newest held. */
  entry(id: string): IndexEntry | undefined {
    return this.active.get(id) ?? this.finished.entry(id);
  }

  has(id: string): boolean {
    return this.entry(id) !== undefined;
  }

  *ids(): Generator<string> {
    for (const entry of this.values()) yield entry.mission.id;
  }

  *values(): Generator<IndexEntry> {
    yield* this.active.values();
    yield* this.finished.entries();
  }

  *missions(): Generator<Mission> {
    for (const { mission } of this.values()) yield mission;
  }

  /** How many missions of each status the bucket holds. */
  counts(): Record<MissionStatus, number> {
    const counts: Record<MissionStatus, number> = {
      pending: 0,
      running: 0,
      awaiting_approval: 0,
      ...this.finished.counts,
    };
    for (const { mission } of this.active.values()) counts[mission.status]++;
    return counts;
  }

  quarantinedRecord(id: string): QuarantinedRecord | undefined {
    return this.quarantine.get(id);
  }

  /** Records in the bucket that are not missions, by id. */
  quarantined(): QuarantinedRecord[] {
    return [...this.quarantine.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** The id of the pending or running mission with this dedupe key, if any. */
  activeId(key: string): string | undefined {
    return this.dedupe.get(key);
  }

  raiseMaxOrder(order: number): void {
    this.maxOrder = Math.max(this.maxOrder, order);
  }

  /** Called after every change the index sees, local or remote. Returns an unsubscribe. */
  onChange(listener: MissionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The watch delivered the bucket's contents at its start; what follows is live. */
  markLoaded(): void {
    this.loaded = true;
  }

  /** A value the bucket watch delivered. */
  watched(id: string, value: unknown, revision: number): void {
    const replay = revision <= this.watchedUpTo;
    this.watchedUpTo = Math.max(this.watchedUpTo, revision);
    const checked = asMission(id, value);
    if ('problem' in checked) this.quarantineRecord(id, revision, checked.problem);
    else if (!replay) this.put(id, checked.mission, revision, 'watch');
    else if (!isFinished(checked.mission)) this.put(id, checked.mission, revision, 'local');
  }

  /** A deletion the watch delivered; `note` is what the deleter left on it (the status it had). */
  watchedDelete(id: string, revision: number, note?: unknown): void {
    const replay = revision <= this.watchedUpTo;
    this.watchedUpTo = Math.max(this.watchedUpTo, revision);
    if (this.active.has(id) || this.finished.entry(id) || this.quarantine.has(id)) {
      this.apply(id, undefined, revision);
      return;
    }
    const status = (note as { status?: unknown } | undefined)?.status;
    if (replay || !this.loaded || !isFinishedStatus(status)) return;
    this.finished.uncount(status);
    this.notify(id, undefined);
  }

  /** A value this process read from the bucket: into the index when it is a mission, else into quarantine. */
  applyStored(id: string, value: unknown, revision: number): { mission: Mission } | { problem: string } {
    const checked = asMission(id, value);
    if ('problem' in checked) this.quarantineRecord(id, revision, checked.problem);
    else this.apply(id, checked.mission, revision);
    return checked;
  }

  /** Takes a bad record out of the index (listeners hear it gone) and reports it once per key and reason. */
  quarantineRecord(id: string, revision: number, reason: string): void {
    const previous = this.entry(id);
    if (previous && previous.revision >= revision) return;
    const known = this.quarantine.get(id);
    this.quarantine.set(id, { id, revision, reason });
    if (known?.reason !== reason)
      this.logger?.warn(
        { key: id, revision, reason },
        'quarantined a mission record that does not validate; fix or delete the key',
      );
    if (previous) this.remove(id, revision);
  }

  /** A value this process wrote or read (undefined: the key is gone), unless older than what the index has. */
  apply(id: string, mission: Mission | undefined, revision: number): void {
    if (mission === undefined) this.remove(id, revision);
    else this.put(id, mission, revision, 'local');
  }

  private put(id: string, mission: Mission, revision: number, source: Source): void {
    if (source === 'watch') {
      const echoed = this.echoes.get(id);
      if (echoed !== undefined && echoed <= revision) this.echoes.delete(id);
      if (echoed !== undefined && echoed >= revision) return; // counted when it was written or read
    }
    const previous = this.entry(id);
    if (previous && previous.revision >= revision) return;
    if (!this.clearQuarantine(id, revision)) return;
    if (mission.order > this.maxOrder) this.maxOrder = mission.order;
    const finished = isFinished(mission);
    // A finished mission this process read by key that the index does not hold is an old one
    // fetched on demand: answered, neither kept nor counted (the watch counted it).
    if (finished && source === 'local' && !previous) return;
    this.forget(id);
    if (!finished) {
      this.active.set(id, { mission, revision });
      const key = activeKey(mission);
      if (key !== undefined) this.dedupe.set(key, id);
    } else {
      this.finished.add({ mission, revision });
      if (source === 'local') this.echoes.set(id, revision);
    }
    this.notify(id, mission);
  }

  private remove(id: string, revision: number): void {
    const previous = this.entry(id);
    if (previous && previous.revision >= revision) return;
    if (!this.clearQuarantine(id, revision)) return;
    if (!previous) return;
    this.forget(id);
    this.notify(id, undefined);
  }

  /** Drops what the index holds for `id` (a finished one is uncounted). */
  private forget(id: string): void {
    const active = this.active.get(id);
    if (active) {
      this.active.delete(id);
      const key = activeKey(active.mission);
      if (key !== undefined && this.dedupe.get(key) === id) this.dedupe.delete(key);
    }
    this.finished.remove(id);
  }

  /** A newer value (or a deletion) replaces a quarantined one; false when the quarantined one is newer. */
  private clearQuarantine(id: string, revision: number): boolean {
    const quarantined = this.quarantine.get(id);
    if (quarantined && quarantined.revision > revision) return false;
    if (quarantined && quarantined.revision < revision) this.quarantine.delete(id);
    return true;
  }

  private notify(id: string, mission: Mission | undefined): void {
    for (const listener of this.listeners) {
      try {
        listener(id, mission);
      } catch (error) {
        this.logger?.warn({ err: error, id }, 'mission change listener failed');
      }
    }
  }
}

/** Two command missions on the same URL (normalised) with the same kind are duplicates. */
export function dedupeKey(kind: MissionKind, url: string): string {
  return `${kind} ${normalizeUrl(url)}`;
}

function activeKey(m: Mission): string | undefined {
  if (m.kind === 'free' || m.url === undefined || isFinished(m)) return undefined;
  return dedupeKey(m.kind, m.url);
}
