// The worktrees of the missions a runner has in hand. A cancel or abort during set-up stops
// waiting for it but not git: the set-up is tracked until it settles, and whatever it made is
// removed, whichever of set-up and release ends first. A stale worktree of another mission that
// holds the branch (left by a crash) is removed and the set-up tried again.
// See docs/missions.md#one-mission-per-branch.
import { basename, dirname, resolve } from 'node:path';
import { BranchBusyError, removeWorktree } from '../adapters/git/worktrees.js';
import type { Logger } from '../log.js';
import { UnknownMissionError } from '../missions/errors.js';
import { MISSION_ID_PATTERN } from '../missions/ids.js';
import type { MissionStore } from '../missions/store.js';
import { holdsBranch } from '../missions/store/branchKeys.js';

export interface MissionWorktree {
  repo: string;
  worktree: string;
}

export interface MissionWorkspacesOptions {
  /** The workspace root: mission worktrees are <workspace>/worktrees/<missionId>. */
  workspace: string;
  /** Does this mission still work on its branch (running, or stopping, under a live lease)? */
  missionHoldsBranch: (id: string) => Promise<boolean>;
  logger?: Logger;
}

/** Set-up given up because its mission was cancelled or aborted meanwhile. */
export class WorkspaceAbandonedError extends Error {
  constructor(id: string) {
    super(`mission ${id} was stopped while its worktree was being set up; the worktree is removed`);
  }
}

/** missionHoldsBranch read from the store: a mission gone from the bucket holds nothing; an unreachable store, everything. */
export function missionHoldsBranchIn(store: Pick<MissionStore, 'get'>, now: () => number = Date.now) {
  return (id: string): Promise<boolean> =>
    store.get(id).then(
      (mission) => holdsBranch(mission, now()),
      (error: unknown) => !(error instanceof UnknownMissionError),
    );
}

export class MissionWorkspaces<W extends MissionWorktree> {
  private readonly ready = new Map<string, W>();
  /** Set-ups not settled yet: what they made, or undefined when they failed. */
  private readonly settling = new Map<string, Promise<W | undefined>>();
  /** Missions released while their set-up was under way: it must not hand out its worktree. */
  private readonly released = new Set<string>();
  /** Removals under way, by worktree path: one per worktree, however many paths ask. */
  private readonly removals = new Map<string, Promise<void>>();

  constructor(private readonly options: MissionWorkspacesOptions) {}

  /**
   * Runs `make` (repository, branch, worktree) for mission `id`. When `signal` fires before it
   * is done, what it made is removed and WorkspaceAbandonedError thrown. A stale worktree of
   * another mission holding the branch is removed and `make` run once more.
   */
  async prepare(id: string, make: () => Promise<W>, signal?: AbortSignal): Promise<W> {
    const attempt = this.makeFreeingStale(id, make);
    this.settling.set(
      id,
      attempt.then(
        (ws) => ws,
        () => undefined,
      ),
    );
    let ws: W;
    try {
      ws = await attempt;
    } catch (error) {
      this.released.delete(id);
      throw error;
    } finally {
      this.settling.delete(id);
    }
    if (this.released.delete(id) || signal?.aborted) {
      await this.remove(ws);
      throw new WorkspaceAbandonedError(id);
    }
    this.ready.set(id, ws);
    return ws;
  }

  /** The worktree of a mission whose set-up is done. */
  get(id: string): W | undefined {
    return this.ready.get(id);
  }

  /** The worktree of a mission, once a set-up still under way has settled (undefined if it failed). */
  async settled(id: string): Promise<W | undefined> {
    return this.ready.get(id) ?? (await this.settling.get(id));
  }

  /**
   * The mission is over: waits for a set-up still under way, then removes its worktree (the
   * branch lives on in the remote). Returns what was set up, if anything.
   */
  async release(id: string): Promise<W | undefined> {
    const settling = this.settling.get(id);
    if (settling) this.released.add(id);
    const ws = this.ready.get(id) ?? (settling ? await settling : undefined);
    this.ready.delete(id);
    if (ws) await this.remove(ws);
    return ws;
  }

  /** The mission waits for approval with its work: forgotten here, its worktree left in place. */
  keep(id: string): W | undefined {
    const ws = this.ready.get(id);
    this.ready.delete(id);
    return ws;
  }

  private async makeFreeingStale(id: string, make: () => Promise<W>): Promise<W> {
    try {
      return await make();
    } catch (error) {
      if (!(error instanceof BranchBusyError) || !(await this.isStale(error.holder, id))) throw error;
      this.options.logger?.warn(
        { mission: id, stale: error.holder },
        'a worktree of a mission no longer running held the branch; removed it',
      );
      await this.remove({ repo: error.repo, worktree: error.holder });
      return make();
    }
  }

  /** Is `holder` one of our mission worktrees, of another mission that no longer works on its branch? */
  private async isStale(holder: string, id: string): Promise<boolean> {
    const owner = basename(holder);
    const ours = resolve(dirname(holder)) === resolve(this.options.workspace, 'worktrees');
    if (!ours || !MISSION_ID_PATTERN.test(owner) || owner === id) return false;
    return !(await this.options.missionHoldsBranch(owner));
  }

  private remove(ws: MissionWorktree): Promise<void> {
    const running = this.removals.get(ws.worktree);
    if (running) return running;
    const removal = removeWorktree(ws.repo, ws.worktree)
      .catch((error: unknown) =>
        this.options.logger?.warn({ err: error, worktree: ws.worktree }, 'worktree not removed'),
      )
      .finally(() => this.removals.delete(ws.worktree));
    this.removals.set(ws.worktree, removal);
    return removal;
  }
}
