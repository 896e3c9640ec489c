// The store's in-memory index: every valid mission by id with its KV revision, fed by the
// bucket watch and by this process's own writes (read your writes). It is eventually consistent
// with the bucket; a stale entry can only cost a refused compare-and-set. Values that do not
// validate are quarantined (docs/missions.md#invalid-records); pending or running command
// missions are tracked by URL for de-duplication (docs/missions.md#dedupe).
import type { Logger } from '../../log.js';
import { isFinished, type Mission, type MissionKind } from '../../contracts/index.js';
import { normalizeUrl } from '../parse.js';
import { asMission } from '../validate.js';
import type { MissionChangeListener, QuarantinedRecord } from './types.js';

export interface IndexEntry {
  mission: Mission;
  revision: number;
}

export class MissionIndex {
  private readonly entries = new Map<string, IndexEntry>();
  /** Keys whose current value does not validate, with why (reported once per key and reason). */
  private readonly quarantine = new Map<string, QuarantinedRecord>();
  /** Pending or running command missions by kind + normalised URL → id, for de-duplication. */
  private readonly active = new Map<string, string>();
  private readonly listeners = new Set<MissionChangeListener>();
  /** The highest queue order seen or handed out: a mission added at the tail goes after it. */
  maxOrder = 0;

  constructor(private readonly logger: Logger | undefined) {}

  get size(): number {
    return this.entries.size;
  }

  entry(id: string): IndexEntry | undefined {
    return this.entries.get(id);
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): IterableIterator<string> {
    return this.entries.keys();
  }

  values(): IterableIterator<IndexEntry> {
    return this.entries.values();
  }

  *missions(): Generator<Mission> {
    for (const { mission } of this.entries.values()) yield mission;
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
    return this.active.get(key);
  }

  raiseMaxOrder(order: number): void {
    this.maxOrder = Math.max(this.maxOrder, order);
  }

  /** Called after every change the index sees, local or remote. Returns an unsubscribe. */
  onChange(listener: MissionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A value read from the bucket: into the index when it is a mission, else into quarantine. */
  applyStored(id: string, value: unknown, revision: number): { mission: Mission } | { problem: string } {
    const checked = asMission(id, value);
    if ('problem' in checked) this.quarantineRecord(id, revision, checked.problem);
    else this.apply(id, checked.mission, revision);
    return checked;
  }

  /** Takes a bad record out of the index (listeners hear it gone) and reports it once per key and reason. */
  quarantineRecord(id: string, revision: number, reason: string): void {
    const previous = this.entries.get(id);
    if (previous && previous.revision >= revision) return;
    const known = this.quarantine.get(id);
    this.quarantine.set(id, { id, revision, reason });
    if (known?.reason !== reason)
      this.logger?.warn(
        { key: id, revision, reason },
        'quarantined a mission record that does not validate; fix or delete the key',
      );
    if (previous) this.apply(id, undefined, revision);
  }

  /** Applies a value seen in the bucket (or just written) to the index, unless it is older than what the index has. */
  apply(id: string, mission: Mission | undefined, revision: number): void {
    const previous = this.entries.get(id);
    if (previous && previous.revision >= revision) return;
    // A newer value (or a deletion) replaces a quarantined one; an older one does not.
    const quarantined = this.quarantine.get(id);
    if (quarantined && quarantined.revision > revision) return;
    if (quarantined && quarantined.revision < revision) this.quarantine.delete(id);
    if (previous) {
      const key = activeKey(previous.mission);
      if (key !== undefined && this.active.get(key) === id) this.active.delete(key);
    }
    if (mission === undefined) {
      this.entries.delete(id);
    } else {
      this.entries.set(id, { mission, revision });
      if (mission.order > this.maxOrder) this.maxOrder = mission.order;
      const key = activeKey(mission);
      if (key !== undefined) this.active.set(key, id);
    }
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
