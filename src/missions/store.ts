// The mission store: the KV bucket <prefix>_missions (one key per mission id) is the truth; an
// in-memory index fed by a KV watch (store/missionIndex.ts) answers list, get and "which mission
// next" without scanning the bucket. Every change is a compare-and-set on the key's revision
// (store/records.ts), so racing runners in any process or host cannot both win; claims and
// leases are in store/leases.ts. See docs/missions.md#claims-and-leases.
import type { Bus } from '../bus/index.js';
import { JsonKv, type KvWatch } from '../bus/kv.js';
import { isFinished, type AgentDelivery, type Mission, type MissionStatus } from '../contracts/index.js';
import { BadRequestError, DuplicateMissionError, UnknownMissionError } from './errors.js';
import { newMissionId } from './ids.js';
import { newMissionRecord } from './newMission.js';
import { parseMissionText } from './parse.js';
import type { MissionSettings } from './settings.js';
import type { BranchHolder } from './store/branchKeys.js';
import { BranchLocks, isBranchLockKey } from './store/branchLocks.js';
import { MissionLeases } from './store/leases.js';
import { claimIntake, isIntakeKey } from './store/intakeKeys.js';
import { dedupeKey, MissionIndex } from './store/missionIndex.js';
import { listMissions, resolveId, resolveOrKeep } from './store/queries.js';
import { recentPerStatus } from './store/finishedMissions.js';
import { minPendingOrder, orderFor } from './store/queueOrder.js';
import { withoutNotice } from './notice.js';
import { MissionRecords, NothingToDo } from './store/records.js';
import { RevisionConflictError } from '../bus/kv.js';
import type {
  ListOptions,
  MissionChangeListener,
  MissionInput,
  MissionStoreOptions,
  QuarantinedRecord,
  ReorderTarget,
} from './store/types.js';
import { cleanMissionText } from './text.js';
import { cancelMission, recordDelivery, reorderMission, type MissionOutcome } from './transitions.js';
import { approveMission, noteFollowUp, rejectMission } from './approval.js';

/** The store's public types, all of store/types.ts. */
export type * from './store/types.js';

export class MissionStore {
  private readonly index: MissionIndex;
  private readonly records: MissionRecords;
  private readonly leases: MissionLeases;
  /** Adds in flight in this process, by dedupe key: they are not in the index yet. */
  private readonly reserved = new Map<string, string>();
  private readonly clock: () => number;
  private watch: KvWatch | undefined;

  private constructor(
    bus: Bus,
    private readonly kv: JsonKv,
    readonly settings: MissionSettings,
    options: MissionStoreOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.index = new MissionIndex(options.logger, { recentPerStatus: recentPerStatus(settings) });
    this.records = new MissionRecords(bus, kv, this.index);
    const locks = new BranchLocks(kv, options.logger);
    this.leases = new MissionLeases(this.index, this.records, locks, settings, options.logger);
  }

  /** Opens (creating if needed) the bucket and resolves once the index holds every mission. */
  static async open(bus: Bus, settings: MissionSettings, options: MissionStoreOptions = {}): Promise<MissionStore> {
    const kv = await JsonKv.open(bus, bus.subjects.missionsBucket);
    const store = new MissionStore(bus, kv, settings, options);
    const index = store.index;
    store.watch = await kv.watch<Mission>({
      // Branch locks and intake claims share the bucket (store/branchLocks.ts, store/intakeKeys.ts) and are not missions.
      onChange: (change) =>
        isBranchLockKey(change.key) || isIntakeKey(change.key)
          ? undefined
          : change.operation === 'put'
            ? index.watched(change.key, change.value, change.revision)
            : index.watchedDelete(change.key, change.revision, change.note),
      onBadValue: (key, revision, error) =>
        isBranchLockKey(key) || isIntakeKey(key) ? undefined : index.quarantineRecord(key, revision, error.message),
    });
    await store.watch.initialized;
    index.markLoaded();
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
    return this.index.onChange(listener);
  }

  // ── intake ────────────────────────────────────────────────────────────────────────────────

  async add(input: MissionInput): Promise<Mission> {
    // Every intake (the service, missions.md) comes through here: one rule for length and hidden characters.
    const text = cleanMissionText(input.text, this.settings.maxTextLength);
    const parsed = parseMissionText(text, this.settings.projects, input.project);
    const now = this.clock();
    let id = newMissionId(now);
    if (input.intake !== undefined) {
      // The same message asked before (a redelivery after a crash): its mission, not a second one.
      const claimed = await claimIntake(this.kv, input.intake, id, now);
      if (claimed !== id) {
        const earlier = await this.existing(claimed);
        if (earlier) return earlier;
        id = claimed; // the earlier request died before writing its mission: write it now
      }
    }
    const key = parsed.url !== undefined ? dedupeKey(parsed.kind, parsed.url) : undefined;
    if (key !== undefined) {
      const existing = this.index.activeId(key) ?? this.reserved.get(key);
      if (existing !== undefined)
        throw new DuplicateMissionError(existing, this.index.entry(existing)?.mission.status ?? 'pending');
    }
    const order = input.now ? minPendingOrder(this.index.missions(), this.index.maxOrder) - 1 : this.index.maxOrder + 1;
    this.index.raiseMaxOrder(order);
    const mission = newMissionRecord(parsed, input, this.settings, { id, order, now });
    if (key !== undefined) this.reserved.set(key, id);
    let revision: number;
    try {
      revision = await this.records.create(id, mission);
    } catch (error) {
      // A redelivery racing the first request of its message: the first one's mission.
      const earlier = input.intake !== undefined && error instanceof RevisionConflictError && (await this.existing(id));
      if (earlier) return earlier;
      throw error;
    } finally {
      if (key !== undefined) this.reserved.delete(key);
    }
    this.records.written(id, { mission, event: 'added' }, revision, now);
    return mission;
  }

  private async existing(id: string): Promise<Mission | undefined> {
    try {
      return (this.index.entry(id) ?? (await this.records.fetch(id))).mission;
    } catch (error) {
      if (error instanceof UnknownMissionError) return undefined;
      throw error;
    }
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────────

  /** The full id for an id or a unique prefix of one. */
  resolveId(idOrPrefix: string): string {
    return resolveId(this.index, idOrPrefix);
  }

  /** The mission with this id (or unique id prefix); read from the bucket when the index has not seen it yet. */
  async get(idOrPrefix: string): Promise<Mission> {
    const id = resolveOrKeep(this.index, idOrPrefix);
    return (this.index.entry(id) ?? (await this.records.fetch(id))).mission;
  }

  /** From the index: running first (oldest start first), then pending in queue order, then finished, newest first. */
  list(options: ListOptions = {}): Mission[] {
    return listMissions(this.index, options);
  }

  /** The running mission a pending one waits for, because it holds the same branch or PR. */
  waitingFor(mission: Mission, now: number = this.clock()): BranchHolder | undefined {
    return this.leases.waitingFor(mission, now);
  }

  /** waitingFor for a whole list at once: the held branches are worked out a single time. */
  branchWaits(now: number = this.clock()): (mission: Mission) => BranchHolder | undefined {
    return this.leases.branchWaits(now);
  }

  /** Records in the bucket that are not missions, by id. */
  quarantined(): QuarantinedRecord[] {
    return this.index.quarantined();
  }

  /** How many missions have each status. */
  counts(): Record<MissionStatus, number> {
    return this.index.counts();
  }

  // ── control ───────────────────────────────────────────────────────────────────────────────

  /**
   * pending → cancelled; running → cancelled, and a `cancelled` event naming the runner tells it
   * to stop its agent at once (its next renew also fails with LeaseLostError).
   */
  async cancel(idOrPrefix: string, by?: string, now: number = this.clock()): Promise<Mission> {
    const id = resolveOrKeep(this.index, idOrPrefix);
    return (await this.records.mutate(id, (m) => cancelMission(m, now, by), now)).mission;
  }

  /** Moves a pending mission: to the head, the tail, or to a 1-based position in the pending queue. */
  async reorder(idOrPrefix: string, to: ReorderTarget, now: number = this.clock()): Promise<Mission> {
    if (typeof to === 'number' && !(Number.isInteger(to) && to >= 1))
      throw new BadRequestError(`a queue position is a whole number from 1, got ${to}`);
    const id = resolveOrKeep(this.index, idOrPrefix);
    const position = () => orderFor(this.index.missions(), this.index.maxOrder, id, to);
    const transition = await this.records.mutate(id, (m) => reorderMission(m, position(), now), now);
    this.index.raiseMaxOrder(transition.mission.order);
    return transition.mission;
  }

  // ── approval (approval.ts, docs/missions.md#approval) ──────────────────────────────────────

  /** push: awaiting_approval → pending, delivered without a new agent run; merge: its PR may auto-merge. */
  async approve(idOrPrefix: string, by: string, now: number = this.clock()): Promise<Mission> {
    const id = resolveOrKeep(this.index, idOrPrefix);
    return (await this.records.mutate(id, (m) => approveMission(m, by, now), now)).mission;
  }

  /** push: awaiting_approval → cancelled, nothing pushed; merge: auto-merge never comes. */
  async reject(idOrPrefix: string, by: string, why?: string, now: number = this.clock()): Promise<Mission> {
    const id = resolveOrKeep(this.index, idOrPrefix);
    const before = this.index.entry(id)?.mission;
    const rejected = (await this.records.mutate(id, (m) => rejectMission(m, by, why, now), now)).mission;
    await this.leases.releaseBranch(rejected, before, now); // a push hold kept its branch (branchKeys.ts)
    return rejected;
  }

  /** Remembers the follow-up queued with a rejection's reason on the rejected record. */
  async noteFollowUp(id: string, followUp: string, now: number = this.clock()): Promise<Mission> {
    try {
      return (await this.records.mutate(id, (m) => noteFollowUp(m, followUp, now), now)).mission;
    } catch (error) {
      if (error instanceof NothingToDo) return this.get(id);
      throw error;
    }
  }

  // ── runners (docs/missions.md#claims-and-leases) ──────────────────────────────────────────

  /** The first claimable pending mission, now running under a lease for `runner`; undefined when none. */
  async claim(
    runner: string,
    now: number = this.clock(),
    waits: (m: Mission) => boolean = () => false,
  ): Promise<Mission | undefined> {
    return this.leases.claim(runner, now, waits);
  }

  /** Extends the lease of a mission `runner` holds; LeaseLostError when it no longer holds it. */
  async renew(id: string, runner: string, now: number = this.clock()): Promise<Mission> {
    return this.leases.renew(id, runner, now);
  }

  /** Applies how a run ended (see decideFinish); LeaseLostError when `runner` no longer holds the mission. */
  async finish(id: string, runner: string, outcome: MissionOutcome, now: number = this.clock()): Promise<Mission> {
    return this.leases.finish(id, runner, outcome, now);
  }

  /** The agent of `runner`'s attempt finished: a later attempt delivers its work instead of running it again. */
  async recordDelivery(
    id: string,
    runner: string,
    delivery: AgentDelivery,
    now: number = this.clock(),
  ): Promise<Mission> {
    return (await this.records.mutate(id, (m) => recordDelivery(m, runner, delivery, now), now)).mission;
  }

  /** Running missions whose lease ran out go back to pending, or to failed as poison. Returns those changed. */
  async expireLeases(now: number = this.clock()): Promise<Mission[]> {
    return this.leases.expire(now);
  }

  // ── notices (notice.ts) ───────────────────────────────────────────────────────────────────

  /** The outbox has notice `noticeId`: the record lets go of it. Nothing happens when it is already gone. */
  async noticeSent(id: string, noticeId: string, now: number = this.clock()): Promise<void> {
    const drop = (m: Mission) => {
      const next = withoutNotice(m, noticeId);
      return next ? { mission: next } : undefined;
    };
    try {
      await this.records.mutate(id, drop, now);
    } catch (error) {
      if (!(error instanceof NothingToDo)) throw error;
    }
  }

  /** Finished missions that still carry their notice and finished before `before`. */
  unsentNotices(before: number): Mission[] {
    return [...this.index.missions()].filter(
      (m) => m.notice && (isFinished(m) || m.status === 'awaiting_approval') && (m.finishedAt ?? m.updatedAt) < before,
    );
  }
}
