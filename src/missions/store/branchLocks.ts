// Branch locks: one key per branch (branchKeys.ts) in the missions bucket, naming the mission
// that holds it. A claim takes its mission's locks by compare-and-set before it claims, so two
// runners claiming missions on one branch at once cannot both win; finish and reap release them.
// See docs/missions.md#one-mission-per-branch.
import { createHash } from 'node:crypto';
import { RevisionConflictError, type JsonKv } from '../../bus/kv.js';
import type { Logger } from '../../log.js';
import type { BranchKey } from './branchKeys.js';

/** Keys of the bucket that are branch locks, not missions: the index leaves them out. */
export const BRANCH_LOCK_PREFIX = 'branch-lock.';

export interface BranchLock {
  mission: string;
  runner: string;
  /** When it was taken (the claim's clock). */
  at: number;
  /** The branch, for a person reading the bucket. */
  label: string;
  /** Set when its mission finished or was reaped: free to take. */
  released?: true;
}

/** A lock this claim took, to release if the claim itself loses. */
export interface TakenLock {
  key: string;
  revision: number;
  lock: BranchLock;
}

/** Is this lock's holder still working (or a claimer about to)? */
export type HolderActive = (lock: BranchLock) => Promise<boolean>;

export function isBranchLockKey(key: string): boolean {
  return key.startsWith(BRANCH_LOCK_PREFIX);
}

export function branchLockKey(key: string): string {
  return BRANCH_LOCK_PREFIX + createHash('sha256').update(key).digest('hex').slice(0, 32);
}

export class BranchLocks {
  constructor(
    private readonly kv: JsonKv,
    private readonly logger: Logger | undefined,
  ) {}

  /**
   * Takes every lock of `keys` for `mission`: a missing or released lock, or one whose holder is
   * no longer active. undefined (having given back what it took) when one is held or a racing
   * claimer won it.
   */
  async take(
    keys: readonly BranchKey[],
    mission: string,
    runner: string,
    now: number,
    active: HolderActive,
  ): Promise<TakenLock[] | undefined> {
    const taken: TakenLock[] = [];
    for (const { key, label } of keys) {
      const lockKey = branchLockKey(key);
      const lock: BranchLock = { mission, runner, at: now, label };
      try {
        const entry = await this.kv.get<BranchLock>(lockKey);
        if (!entry) {
          taken.push({ key: lockKey, revision: await this.kv.create(lockKey, lock), lock });
          continue;
        }
        const held = entry.value;
        // Its own mission's lock too: a claimer racing for the same mission holds it.
        if (!held.released && (await active(held))) {
          await this.release(taken);
          return undefined;
        }
        taken.push({ key: lockKey, revision: await this.kv.update(lockKey, lock, entry.revision), lock });
      } catch (error) {
        await this.release(taken);
        if (error instanceof RevisionConflictError) return undefined;
        throw error;
      }
    }
    return taken;
  }

  /** Gives back locks this process just took (its claim lost). */
  async release(taken: readonly TakenLock[]): Promise<void> {
    for (const { key, revision, lock } of taken) {
      await this.kv.update(key, { ...lock, released: true }, revision).catch(() => undefined);
    }
  }

  /** Releases the locks of `keys` that `mission` holds (it finished or was reaped). */
  async releaseFor(keys: readonly BranchKey[], mission: string): Promise<void> {
    for (const { key } of keys) {
      const lockKey = branchLockKey(key);
      try {
        const entry = await this.kv.get<BranchLock>(lockKey);
        if (!entry || entry.value.mission !== mission || entry.value.released) continue;
        await this.kv.update(lockKey, { ...entry.value, released: true }, entry.revision);
      } catch (error) {
        // Not fatal: a lock whose holder is no longer active is taken over by the next claim.
        if (!(error instanceof RevisionConflictError))
          this.logger?.warn({ err: error, mission, lock: lockKey }, 'could not release a branch lock');
      }
    }
  }
}
