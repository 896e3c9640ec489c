// Claims and leases: a runner claims the next pending mission with a compare-and-set, renews its
// lease while it works, finishes the mission, and leases that ran out are reaped back to pending
// (or to failed as poison). A claim first takes the branch locks of its mission (branchLocks.ts),
// so missions on one branch run one at a time. See docs/missions.md#claims-and-leases.
import type { Logger } from '../../log.js';
import type { Mission } from '../../contracts/index.js';
import { BucketBusyError, RevisionConflictError } from '../../bus/kv.js';
import type { MissionSettings } from '../settings.js';
import {
  claimMission,
  compareQueue,
  expireLease,
  finishMission,
  isClaimable,
  renewLease,
  type MissionOutcome,
} from '../transitions.js';
import { branchKeys, heldBranches, holdsBranch, waitingFor, type BranchHolder } from './branchKeys.js';
import type { BranchLock, BranchLocks } from './branchLocks.js';
import type { IndexEntry, MissionIndex } from './missionIndex.js';
import { NothingToDo, type MissionRecords } from './records.js';

/** Claims of one candidate in a row that lost only to writes of other keys, before moving on. */
const MAX_BUSY_RETRIES = 3;

export class MissionLeases {
  /** Missions this process is claiming right now, so a second local claimer skips them. */
  private readonly claiming = new Set<string>();

  constructor(
    private readonly index: MissionIndex,
    private readonly records: MissionRecords,
    private readonly locks: BranchLocks,
    private readonly settings: MissionSettings,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Takes the first pending mission by (order, createdAt) whose notBefore has passed: status
   * running, a lease for `runner` until now + lease, one more attempt. A compare-and-set lost to
   * another claimer moves on to the next candidate; one that lost only to writes of other keys
   * (BucketBusyError, the `stream` scope under load) tries the same candidate again. A mission whose branch another mission holds
   * waits: skipped here, and its branch lock refused to a claimer whose index is behind. So does
   * one `waits` names (its project's day budget is reached). undefined when there is nothing to do.
   */
  async claim(runner: string, now: number, waits: (m: Mission) => boolean = () => false): Promise<Mission | undefined> {
    const tried = new Set<string>();
    const held = heldBranches(this.index.missions(), now);
    let busyRetries = 0;
    for (;;) {
      const entry = this.nextCandidate(now, tried, held, waits);
      if (!entry) return undefined;
      const id = entry.mission.id;
      tried.add(id);
      const transition = claimMission(entry.mission, runner, now, this.settings.leaseMs);
      this.claiming.add(id);
      let revision: number;
      try {
        const active = (lock: BranchLock) => this.holderActive(lock, id, now);
        const locks = await this.locks.take(branchKeys(entry.mission), id, runner, now, active);
        if (!locks) continue;
        try {
          revision = await this.records.update(id, transition.mission, entry.revision);
        } catch (error) {
          await this.locks.release(locks);
          if (error instanceof BucketBusyError && busyRetries++ < MAX_BUSY_RETRIES) tried.delete(id);
          if (error instanceof RevisionConflictError) continue;
          throw error;
        }
      } finally {
        this.claiming.delete(id);
      }
      this.records.written(id, transition, revision, now);
      return transition.mission;
    }
  }

  /** Extends the lease of a mission `runner` holds; LeaseLostError when it no longer holds it. */
  async renew(id: string, runner: string, now: number): Promise<Mission> {
    return (await this.records.mutate(id, (m) => renewLease(m, runner, now, this.settings.leaseMs), now)).mission;
  }

  /** Applies how a run ended (see decideFinish); LeaseLostError when `runner` no longer holds the mission. */
  async finish(id: string, runner: string, outcome: MissionOutcome, now: number): Promise<Mission> {
    const before = this.index.entry(id)?.mission;
    const finish = (m: Mission) => finishMission(m, runner, outcome, now, this.settings.retryBackoff);
    const finished = (await this.records.mutate(id, finish, now)).mission;
    await this.releaseBranch(finished, before, now);
    return finished;
  }

  /** The pending mission `m` waits for because that one holds its branch; undefined when none. */
  waitingFor(m: Mission, now: number): BranchHolder | undefined {
    return waitingFor(m, heldBranches(this.index.missions(), now));
  }

  /** waitingFor for many missions at one `now` (a list): the held branches are worked out once, when first needed. */
  branchWaits(now: number): (m: Mission) => BranchHolder | undefined {
    let held: Map<string, BranchHolder> | undefined;
    return (m) => waitingFor(m, (held ??= heldBranches(this.index.missions(), now)));
  }

  /**
   * Running missions whose lease ran out go back to pending (the attempt stays counted), or
   * to failed as poison once their attempts are spent. Returns the missions it changed.
   */
  async expire(now: number): Promise<Mission[]> {
    const expired: string[] = [];
    for (const mission of this.index.missions()) {
      if (mission.status === 'running' && mission.lease && mission.lease.until < now) expired.push(mission.id);
    }
    const changed: Mission[] = [];
    for (const id of expired) {
      try {
        const transition = await this.records.mutate(id, (m) => expireLease(m, now), now);
        changed.push(transition.mission);
        await this.releaseBranch(transition.mission, undefined, now);
      } catch (error) {
        if (error instanceof NothingToDo) continue;
        this.logger?.warn({ err: error, id }, 'could not expire a lease');
      }
    }
    return changed;
  }

  /** A mission that no longer holds its branch gives back its locks (under the keys it had and has). */
  async releaseBranch(m: Mission, before: Mission | undefined, now: number): Promise<void> {
    if (holdsBranch(m, now)) return;
    const keys = new Map([...(before ? branchKeys(before) : []), ...branchKeys(m)].map((k) => [k.key, k]));
    await this.locks.releaseFor([...keys.values()], m.id);
  }

  /**
   * Is the mission named by another mission's lock still on its branch? A young lock is, whatever
   * the record says: its claimer takes the lock a moment before its claim lands. After that, the
   * bucket's record decides (the index may be a change behind) — except for the mission being
   * claimed itself, whose record, pending, cannot be on the branch: an approved delivery takes
   * back the lock it kept while waiting.
   */
  private async holderActive(lock: BranchLock, claiming: string, now: number): Promise<boolean> {
    if (now - lock.at <= this.settings.leaseMs) return true;
    if (lock.mission === claiming) return false;
    try {
      return holdsBranch((await this.records.fetch(lock.mission)).mission, now);
    } catch {
      return false; // the holder is gone from the bucket or no longer a mission
    }
  }

  private nextCandidate(
    now: number,
    tried: Set<string>,
    held: Map<string, BranchHolder>,
    waits: (m: Mission) => boolean,
  ): IndexEntry | undefined {
    let best: IndexEntry | undefined;
    for (const entry of this.index.values()) {
      const m = entry.mission;
      if (!isClaimable(m, now) || tried.has(m.id) || this.claiming.has(m.id)) continue;
      if (waitingFor(m, held) || waits(m)) continue;
      if (!best || compareQueue(m, best.mission) < 0) best = entry;
    }
    return best;
  }
}
