// Writing mission records: every change is a compare-and-set on the key's revision, so two
// writers (in any process, on any host) racing for one mission cannot both win; the loser re-reads
// the key and decides again. Each applied transition is put in the index at once and its event
// published (docs/missions.md#lifecycle).
import { BadPayloadError, type Bus } from '../../bus/index.js';
import { RevisionConflictError, type JsonKv } from '../../bus/kv.js';
import { missionEvent, type Mission } from '../../contracts/index.js';
import { InvalidRecordError, InvalidTransitionError, LeaseLostError, UnknownMissionError } from '../errors.js';
import { MISSION_ID_PATTERN } from '../ids.js';
import type { Transition } from '../transitions.js';
import type { IndexEntry, MissionIndex } from './missionIndex.js';

/** Conflicts in a row on one key before a change gives up (something is hammering that key). */
const MAX_CAS_RETRIES = 10;

/** Thrown by mutate() when a transition finds nothing to change (a lease renewed meanwhile). */
export class NothingToDo extends Error {}

export class MissionRecords {
  constructor(
    private readonly bus: Bus,
    private readonly kv: JsonKv,
    private readonly index: MissionIndex,
  ) {}

  /** Creates the key (refused if it exists); returns the revision. */
  create(id: string, mission: Mission): Promise<number> {
    return this.kv.create(id, mission);
  }

  /** One compare-and-set against `revision`; RevisionConflictError when the key moved. */
  update(id: string, mission: Mission, revision: number): Promise<number> {
    return this.kv.update(id, mission, revision);
  }

  /** A write that went through: into the index at once, then its event (if any) on the bus. */
  written(id: string, transition: Transition, revision: number, now: number): void {
    this.index.apply(id, transition.mission, revision);
    this.publish(transition, now);
  }

  /** Reads the key from the bucket into the index; UnknownMissionError or InvalidRecordError. */
  async fetch(id: string): Promise<IndexEntry> {
    if (!MISSION_ID_PATTERN.test(id)) throw new UnknownMissionError(id);
    let entry;
    try {
      entry = await this.kv.get<unknown>(id);
    } catch (error) {
      if (!(error instanceof BadPayloadError)) throw error;
      this.index.quarantineRecord(id, this.index.quarantinedRecord(id)?.revision ?? 0, error.message);
      throw new InvalidRecordError(id, error.message);
    }
    if (!entry) throw new UnknownMissionError(id);
    const checked = this.index.applyStored(id, entry.value, entry.revision);
    if ('problem' in checked) throw new InvalidRecordError(id, checked.problem);
    return { mission: checked.mission, revision: entry.revision };
  }

  /**
   * Read (index first), transition, compare-and-set; on a conflict re-read the key and decide
   * again. A refusal based on the index is re-checked against the bucket before it is final.
   */
  async mutate(id: string, change: (m: Mission) => Transition | undefined, now: number): Promise<Transition> {
    let entry = this.index.entry(id);
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
      this.written(id, transition, revision, now);
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
}
