// The mission store: the KV bucket <prefix>_missions (one key per mission id) is the truth; an
// in-memory index, fed by a KV watch (current values first, then every change), answers
// list, get and "which mission next" without scanning the bucket. Every change is a
// compare-and-set on the key's revision, so two runners (in any process, on any host) can race
// for the same mission and exactly one wins; the loser moves on to the next candidate.
//
// The index is eventually consistent with the bucket: a write this process makes is applied at
// once (read your writes); writes by others arrive through the watch, usually within a
// millisecond. A stale index can only cost a refused compare-and-set, which re-reads the key.
import { BadPayloadError, type Bus } from '../bus/index.js';
import { JsonKv, RevisionConflictError, type KvWatch } from '../bus/kv.js';
import type { Logger } from '../log.js';
import {
  AmbiguousMissionIdError,
  BadRequestError,
  DuplicateMissionError,
  InvalidRecordError,
  InvalidTransitionError,
  LeaseLostError,
  UnknownMissionError,
} from './errors.js';
import { MISSION_ID_PATTERN, newMissionId } from './ids.js';
import { normalizeUrl, parseMissionText } from './parse.js';
import {
  capContext,
  isFinished,
  missionEvent,
  type Mission,
  type MissionKind,
  type MissionSource,
  type MissionStatus,
} from '../contracts/index.js';
import type { MissionSettings } from './settings.js';
import { cleanMissionText } from './text.js';
import { asMission } from './validate.js';
import {
  cancelMission,
  claimMission,
  compareQueue,
  expireLease,
  finishMission,
  isClaimable,
  renewLease,
  reorderMission,
  type MissionOutcome,
  type Transition,
} from './transitions.js';

export interface MissionInput {
  /** The mission as a person wrote it, optionally starting with [project:x]. */
  text: string;
  /** An explicit project (e.g. --project); must agree with a tag in the text. */
  project?: string;
  /** Put it at the head of the queue. */
  now?: boolean;
  /** Where it came from; default 'nats'. */
  source?: MissionSource;
  /** Who asked. */
  by?: string;
  /** Material for the agent (CI log tails, review comments); capped at MISSION_CONTEXT_MAX. */
  context?: string;
}

export type ReorderTarget = 'top' | 'bottom' | number;

export interface ListOptions {
  status?: MissionStatus | readonly MissionStatus[];
  limit?: number;
}

export type MissionChangeListener = (id: string, mission: Mission | undefined) => void;

/** A record in the bucket that is not a mission: kept out of the index, shown by `mission list`. */
export interface QuarantinedRecord {
  id: string;
  revision: number;
  reason: string;
}

export interface MissionStoreOptions {
  logger?: Logger;
  /** Time for changes that are not given a `now`; default Date.now. */
  clock?: () => number;
}

interface IndexEntry {
  mission: Mission;
  revision: number;
}

/** Conflicts in a row on one key before a change gives up (something is hammering that key). */
const MAX_CAS_RETRIES = 10;

export class MissionStore {
  private readonly index = new Map<string, IndexEntry>();
  /** Keys whose current value does not validate, with why (reported once per key and reason). */
  private readonly quarantine = new Map<string, QuarantinedRecord>();
  /** Pending or running command missions by kind + normalised URL → id, for de-duplication. */
  private readonly active = new Map<string, string>();
  /** Adds in flight in this process, by the same key: they are not in the index yet. */
  private readonly reserved = new Map<string, string>();
  /** Missions this process is claiming right now, so a second local claimer skips them. */
  private readonly claiming = new Set<string>();
  private readonly listeners = new Set<MissionChangeListener>();
  private readonly clock: () => number;
  private maxOrder = 0;
  private watch: KvWatch | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly kv: JsonKv,
    readonly settings: MissionSettings,
    private readonly logger: Logger | undefined,
    clock: (() => number) | undefined,
  ) {
    this.clock = clock ?? Date.now;
  }

  /** Opens (creating if needed) the bucket and resolves once the index holds every mission. */
  static async open(bus: Bus, settings: MissionSettings, options: MissionStoreOptions = {}): Promise<MissionStore> {
    const kv = await JsonKv.open(bus, bus.subjects.missionsBucket);
    const store = new MissionStore(bus, kv, settings, options.logger, options.clock);
    store.watch = await kv.watch<Mission>({
      onChange: (change) =>
        void (change.operation === 'put'
          ? store.applyStored(change.key, change.value, change.revision)
          : store.apply(change.key, undefined, change.revision)),
      onBadValue: (key, revision, error) => store.quarantineRecord(key, revision, error.message),
    });
    await store.watch.initialized;
    return store;
  }

  /** Stops the watch; the store answers from a frozen index afterwards. */
  close(): void {
    this.watch?.stop();
  }

  get size(): number {
    return this.index.size;
  }

  /** Called after every change the index sees, local or remote. Returns an unsubscribe. */
  onChange(listener: MissionChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ── intake ────────────────────────────────────────────────────────────────────────────────

  async add(input: MissionInput): Promise<Mission> {
    // Every intake (the service, missions.md) comes through here: one rule for length and hidden characters.
    const text = cleanMissionText(input.text, this.settings.maxTextLength);
    const parsed = parseMissionText(text, this.settings.projects, input.project);
    const key = parsed.url !== undefined ? dedupeKey(parsed.kind, parsed.url) : undefined;
    if (key !== undefined) {
      const existing = this.active.get(key) ?? this.reserved.get(key);
      if (existing !== undefined)
        throw new DuplicateMissionError(existing, this.index.get(existing)?.mission.status ?? 'pending');
    }
    const now = this.clock();
    const id = newMissionId(now);
    const order = input.now ? this.minPendingOrder() - 1 : this.maxOrder + 1;
    this.maxOrder = Math.max(this.maxOrder, order);
    const mission: Mission = {
      id,
      text: parsed.text,
      project: parsed.project,
      kind: parsed.kind,
      ...(parsed.url !== undefined ? { url: parsed.url } : {}),
      source: input.source ?? 'nats',
      ...(input.by ? { by: input.by } : {}),
      ...(input.context ? { context: capContext(input.context) } : {}),
      status: 'pending',
      order,
      attempts: 0,
      transientAttempts: 0,
      maxAttempts: this.settings.maxAttempts,
      maxTransientAttempts: this.settings.maxTransientAttempts,
      createdAt: now,
      updatedAt: now,
    };
    if (key !== undefined) this.reserved.set(key, id);
    let revision: number;
    try {
      revision = await this.kv.create(id, mission);
    } finally {
      if (key !== undefined) this.reserved.delete(key);
    }
    this.apply(id, mission, revision);
    this.publish({ mission, event: 'added' }, now);
    return mission;
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────

  /** The full id for an id or a unique prefix of one. */
  resolveId(idOrPrefix: string): string {
    const wanted = idOrPrefix.trim().toLowerCase();
    if (wanted === '') throw new BadRequestError('a mission id is empty');
    if (this.index.has(wanted)) return wanted;
    const quarantined = this.quarantine.get(wanted);
    if (quarantined) throw new InvalidRecordError(wanted, quarantined.reason);
    const matches: string[] = [];
    for (const id of this.index.keys()) if (id.startsWith(wanted)) matches.push(id);
    if (matches.length === 1) return matches[0] as string;
    if (matches.length > 1) throw new AmbiguousMissionIdError(idOrPrefix, matches.sort());
    throw new UnknownMissionError(idOrPrefix);
  }

  /** The mission with this id (or unique id prefix); read from the bucket when the index has not seen it yet. */
  async get(idOrPrefix: string): Promise<Mission> {
    const id = this.resolveOrKeep(idOrPrefix);
    return (this.index.get(id) ?? (await this.fetch(id))).mission;
  }

  /** From the index: running first (oldest start first), then pending in queue order, then finished, newest first. */
  list(options: ListOptions = {}): Mission[] {
    const wanted =
      options.status === undefined
        ? undefined
        : new Set(typeof options.status === 'string' ? [options.status] : options.status);
    const missions: Mission[] = [];
    for (const { mission } of this.index.values()) if (!wanted || wanted.has(mission.status)) missions.push(mission);
    missions.sort(compareListing);
    return options.limit !== undefined && options.limit >= 0 ? missions.slice(0, options.limit) : missions;
  }

  /** Records in the bucket that are not missions, by id. */
  quarantined(): QuarantinedRecord[] {
    return [...this.quarantine.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** How many missions have each status. */
  counts(): Record<MissionStatus, number> {
    const counts: Record<MissionStatus, number> = { pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
    for (const { mission } of this.index.values()) counts[mission.status]++;
    return counts;
  }

  // ── control ───────────────────────────────────────────────────────────────────────────────

  /**
   * pending → cancelled; running → cancelled, and a `cancelled` event naming the runner tells it
   * to stop its agent at once (its next renew also fails with LeaseLostError).
   */
  async cancel(idOrPrefix: string, by?: string, now: number = this.clock()): Promise<Mission> {
    const id = this.resolveOrKeep(idOrPrefix);
    return (await this.mutate(id, (m) => cancelMission(m, now, by), now)).mission;
  }

  /** Moves a pending mission: to the head, the tail, or to a 1-based position in the pending queue. */
  async reorder(idOrPrefix: string, to: ReorderTarget, now: number = this.clock()): Promise<Mission> {
    if (typeof to === 'number' && !(Number.isInteger(to) && to >= 1))
      throw new BadRequestError(`a queue position is a whole number from 1, got ${to}`);
    const id = this.resolveOrKeep(idOrPrefix);
    const transition = await this.mutate(id, (m) => reorderMission(m, this.orderFor(id, to), now), now);
    this.maxOrder = Math.max(this.maxOrder, transition.mission.order);
    return transition.mission;
  }

  // ── runners ───────────────────────────────────────────────────────────────────────────────

  /**
   * Takes the first pending mission by (order, createdAt) whose notBefore has passed: status
   * running, a lease for `runner` until now + lease, one more attempt. A compare-and-set lost to
   * another claimer moves on to the next candidate. undefined when there is nothing to do.
   */
  async claim(runner: string, now: number = this.clock()): Promise<Mission | undefined> {
    const tried = new Set<string>();
    for (;;) {
      const entry = this.nextCandidate(now, tried);
      if (!entry) return undefined;
      const id = entry.mission.id;
      tried.add(id);
      const transition = claimMission(entry.mission, runner, now, this.settings.leaseMs);
      this.claiming.add(id);
      let revision: number;
      try {
        revision = await this.kv.update(id, transition.mission, entry.revision);
      } catch (error) {
        if (error instanceof RevisionConflictError) continue;
        throw error;
      } finally {
        this.claiming.delete(id);
      }
      this.apply(id, transition.mission, revision);
      this.publish(transition, now);
      return transition.mission;
    }
  }

  /** Extends the lease of a mission `runner` holds; LeaseLostError when it no longer holds it. */
  async renew(id: string, runner: string, now: number = this.clock()): Promise<Mission> {
    return (await this.mutate(id, (m) => renewLease(m, runner, now, this.settings.leaseMs), now)).mission;
  }

  /** Applies how a run ended (see decideFinish); LeaseLostError when `runner` no longer holds the mission. */
  async finish(id: string, runner: string, outcome: MissionOutcome, now: number = this.clock()): Promise<Mission> {
    return (await this.mutate(id, (m) => finishMission(m, runner, outcome, now, this.settings.retryBackoff), now))
      .mission;
  }

  /**
   * Running missions whose lease ran out go back to pending (the attempt stays counted), or
   * to failed as poison once their attempts are spent. Returns the missions it changed.
   */
  async expireLeases(now: number = this.clock()): Promise<Mission[]> {
    const expired: string[] = [];
    for (const { mission } of this.index.values()) {
      if (mission.status === 'running' && mission.lease && mission.lease.until < now) expired.push(mission.id);
    }
    const changed: Mission[] = [];
    for (const id of expired) {
      try {
        const transition = await this.mutate(id, (m) => expireLease(m, now), now);
        changed.push(transition.mission);
      } catch (error) {
        if (error instanceof NothingToDo) continue;
        this.logger?.warn({ err: error, id }, 'could not expire a lease');
      }
    }
    return changed;
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  /** A value read from the bucket: into the index when it is a mission, else into quarantine. */
  private applyStored(id: string, value: unknown, revision: number): { mission: Mission } | { problem: string } {
    const checked = asMission(id, value);
    if ('problem' in checked) this.quarantineRecord(id, revision, checked.problem);
    else this.apply(id, checked.mission, revision);
    return checked;
  }

  /** Takes a bad record out of the index (listeners hear it gone) and reports it once per key and reason. */
  private quarantineRecord(id: string, revision: number, reason: string): void {
    const previous = this.index.get(id);
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
  private apply(id: string, mission: Mission | undefined, revision: number): void {
    const previous = this.index.get(id);
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
      this.index.delete(id);
    } else {
      this.index.set(id, { mission, revision });
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

  private async fetch(id: string): Promise<IndexEntry> {
    if (!MISSION_ID_PATTERN.test(id)) throw new UnknownMissionError(id);
    let entry;
    try {
      entry = await this.kv.get<unknown>(id);
    } catch (error) {
      if (!(error instanceof BadPayloadError)) throw error;
      this.quarantineRecord(id, this.quarantine.get(id)?.revision ?? 0, error.message);
      throw new InvalidRecordError(id, error.message);
    }
    if (!entry) throw new UnknownMissionError(id);
    const checked = this.applyStored(id, entry.value, entry.revision);
    if ('problem' in checked) throw new InvalidRecordError(id, checked.problem);
    return { mission: checked.mission, revision: entry.revision };
  }

  /**
   * Read (index first), transition, compare-and-set; on a conflict re-read the key and decide
   * again. A refusal based on the index is re-checked against the bucket before it is final.
   */
  private async mutate(id: string, change: (m: Mission) => Transition | undefined, now: number): Promise<Transition> {
    let entry = this.index.get(id);
    let fresh = false;
    if (!entry) {
      entry = await this.fetch(id);
      fresh = true;
    }
    for (let attempt = 0; ; attempt++) {
      let transition: Transition | undefined;
      try {
        transition = change(entry.mission);
      } catch (error) {
        if (!fresh && (error instanceof InvalidTransitionError || error instanceof LeaseLostError)) {
          entry = await this.fetch(id);
          fresh = true;
          continue;
        }
        throw error;
      }
      if (!transition) throw new NothingToDo();
      let revision: number;
      try {
        revision = await this.kv.update(id, transition.mission, entry.revision);
      } catch (error) {
        if (error instanceof RevisionConflictError && attempt < MAX_CAS_RETRIES) {
          entry = await this.fetch(id);
          fresh = true;
          continue;
        }
        throw error;
      }
      this.apply(id, transition.mission, revision);
      this.publish(transition, now);
      return transition;
    }
  }

  private publish(transition: Transition, now: number): void {
    if (!transition.event) return;
    const extra = {
      ...(transition.runner !== undefined ? { runner: transition.runner } : {}),
      ...(transition.reason !== undefined ? { reason: transition.reason } : {}),
    };
    this.bus.publish(this.bus.subjects.missionEvents, missionEvent(transition.event, transition.mission, now, extra));
  }

  private nextCandidate(now: number, tried: Set<string>): IndexEntry | undefined {
    let best: IndexEntry | undefined;
    for (const entry of this.index.values()) {
      const m = entry.mission;
      if (!isClaimable(m, now) || tried.has(m.id) || this.claiming.has(m.id)) continue;
      if (!best || compareQueue(m, best.mission) < 0) best = entry;
    }
    return best;
  }

  private pendingQueue(except?: string): Mission[] {
    const pending: Mission[] = [];
    for (const { mission } of this.index.values())
      if (mission.status === 'pending' && mission.id !== except) pending.push(mission);
    return pending.sort(compareQueue);
  }

  private minPendingOrder(except?: string): number {
    let min = this.maxOrder + 1;
    for (const { mission } of this.index.values()) {
      if (mission.status === 'pending' && mission.id !== except && mission.order < min) min = mission.order;
    }
    return min;
  }

  private orderFor(id: string, to: ReorderTarget): number {
    if (to === 'top') return this.minPendingOrder(id) - 1;
    const queue = this.pendingQueue(id);
    const last = queue[queue.length - 1];
    if (to === 'bottom' || to > queue.length) return Math.max(this.maxOrder, last?.order ?? 0) + 1;
    if (to === 1) return this.minPendingOrder(id) - 1;
    const before = queue[to - 2] as Mission;
    const after = queue[to - 1] as Mission;
    return (before.order + after.order) / 2;
  }

  /** An id prefix resolved through the index; an id the index has not seen is kept for a bucket read. */
  private resolveOrKeep(idOrPrefix: string): string {
    try {
      return this.resolveId(idOrPrefix);
    } catch (error) {
      if (error instanceof UnknownMissionError) return idOrPrefix.trim().toLowerCase();
      throw error;
    }
  }
}

/** Thrown inside mutate() when a transition finds nothing to change (a lease renewed meanwhile). */
class NothingToDo extends Error {}

function dedupeKey(kind: MissionKind, url: string): string {
  return `${kind} ${normalizeUrl(url)}`;
}

function activeKey(m: Mission): string | undefined {
  if (m.kind === 'free' || m.url === undefined || isFinished(m)) return undefined;
  return dedupeKey(m.kind, m.url);
}

const LISTING_RANK: Record<MissionStatus, number> = { running: 0, pending: 1, done: 2, failed: 2, cancelled: 2 };

function compareListing(a: Mission, b: Mission): number {
  const rank = LISTING_RANK[a.status] - LISTING_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'pending' && b.status === 'pending') return compareQueue(a, b);
  if (a.status === 'running' && b.status === 'running')
    return (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.id < b.id ? -1 : 1);
  return (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt) || (a.id < b.id ? 1 : -1);
}
