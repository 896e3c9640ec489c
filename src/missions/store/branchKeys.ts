// Which branch a mission works on, as keys two missions share when they would fight over one
// branch: the pull request a command targets (its head branch), the PR and branch an earlier
// attempt recorded. At most one mission per key runs at a time; the others wait
// (docs/missions.md#one-mission-per-branch).
import { parsePullUrl } from '../../adapters/github/pullUrl.js';
import type { Mission } from '../../contracts/index.js';

export interface BranchKey {
  /** What two missions compare: `pr <owner/repo>#<n>` or `branch <project> <name>`. */
  key: string;
  /** What a person reads after "on": the branch name, or the PR when its branch is not known yet. */
  label: string;
  /** The branch name, when the mission has recorded it. */
  branch?: string;
}

/** The keys of the branch `m` works on; none for a mission with a branch of its own not yet recorded. */
export function branchKeys(m: Mission): BranchKey[] {
  const keys = new Map<string, BranchKey>();
  const branch = m.result?.branch || undefined;
  const known = branch !== undefined ? { branch } : {};
  for (const url of [m.url, m.result?.prUrl]) {
    const pull = url === undefined ? undefined : parsePullUrl(url);
    if (!pull) continue;
    const key = `pr ${pull.repo.toLowerCase()}#${pull.number}`;
    keys.set(key, { key, label: branch ?? `${pull.repo}#${pull.number}`, ...known });
  }
  if (branch !== undefined)
    keys.set(`branch ${m.project} ${branch}`, { key: `branch ${m.project} ${branch}`, label: branch, branch });
  return [...keys.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * Does `m` hold its branch at `now`? Running under a live lease, or cancelled while it ran and
 * its runner not yet done (the lease stays until the runner records how the run ended), or held
 * for a push approval with its committed work in a kept worktree, from the hold until the
 * approved delivery ends (docs/missions.md#approval).
 */
export function holdsBranch(m: Mission, now: number): boolean {
  if (holdsWorkForApproval(m)) return true;
  return (m.status === 'running' || m.status === 'cancelled') && m.lease !== undefined && m.lease.until >= now;
}

/** Awaiting a push approval, or approved and not yet claimed for its delivery. */
export function holdsWorkForApproval(m: Mission): boolean {
  if (m.approval?.gate !== 'push') return false;
  return (
    (m.status === 'awaiting_approval' && m.approval.state === 'pending') ||
    (m.status === 'pending' && m.approval.state === 'approved')
  );
}

export interface BranchHolder {
  /** The mission holding the branch. */
  id: string;
  /** Its branch (or PR), for "waits for <id> on <label>". */
  label: string;
  branch?: string;
}

/** Every key held at `now`, with the mission holding it. */
export function heldBranches(missions: Iterable<Mission>, now: number): Map<string, BranchHolder> {
  const held = new Map<string, BranchHolder>();
  for (const m of missions) {
    if (!holdsBranch(m, now)) continue;
    for (const { key, label, branch } of branchKeys(m))
      held.set(key, { id: m.id, label, ...(branch !== undefined ? { branch } : {}) });
  }
  return held;
}

/** The mission a pending `m` waits for (one holding its branch), or undefined. */
export function waitingFor(m: Mission, held: ReadonlyMap<string, BranchHolder>): BranchHolder | undefined {
  if (m.status !== 'pending') return undefined;
  for (const own of branchKeys(m)) {
    const holder = held.get(own.key);
    // Name the branch if either knows it; else the PR.
    if (holder && holder.id !== m.id) return { id: holder.id, label: holder.branch ?? own.branch ?? holder.label };
  }
  return undefined;
}

/** `waits for <id> on <branch>` */
export function waitingText(holder: BranchHolder): string {
  return `waits for ${holder.id} on ${holder.label}`;
}
