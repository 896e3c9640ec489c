// Whether an own PR may auto-merge, decided each poll (pure: `now` is the only clock). The
// caller stores the returned greenSince in TrackedPr.greenSince (absent → delete it). What green
// means and how the grace period counts: docs/github-mentions.md#auto-merge.
import { isRedGate, type GateMark } from '../adapters/github/gateMark.js';
import { mergeApprovalWait } from './mergeApproval.js';
import type { TrackedPr } from './types.js';

export interface AutoMergeSettings {
  enabled: boolean;
  graceMinutes: number;
}

/**
 * A tracked PR as auto-merge sees it. `truncated` (or TrackedPr.ciTruncated): set when any
 * listing behind `ci` or `unresolvedThreads` was cut short (pagination limit, partial GraphQL
 * page): such a PR is never green.
 */
export type MergeCandidate = TrackedPr & {
  truncated?: boolean;
  /** The gate mark in the PR's body, read fresh right before a merge (docs/missions.md#gates-and-pull-requests). */
  lastGate?: GateMark;
};

export type AutoMergeAction = 'none' | 'wait' | 'merge' | 'reset';

export interface AutoMergeDecision {
  action: AutoMergeAction;
  reason: string;
  /** The value to store in TrackedPr.greenSince; absent = clear it. */
  greenSince?: number;
}

/** Why a PR is not green, or undefined when it is. */
export function notGreenReason(pr: MergeCandidate): string | undefined {
  if (pr.state !== 'open') return `the PR is ${pr.state}`;
  if (pr.truncated || pr.ciTruncated)
    return 'a listing of checks or review threads was truncated, so green cannot be confirmed';
  if (pr.ci !== 'success') return `CI is ${pr.ci}`;
  if (pr.failing.length > 0) return `${pr.failing.length} failing job(s)`;
  if (pr.lastGate && isRedGate(pr.lastGate.gate))
    return `the last gate (mission ${pr.lastGate.mission}) was ${pr.lastGate.gate}`;
  if (!Number.isInteger(pr.unresolvedThreads) || pr.unresolvedThreads !== 0) {
    return Number.isInteger(pr.unresolvedThreads) && pr.unresolvedThreads > 0
      ? `${pr.unresolvedThreads} unresolved review thread(s)`
      : 'unresolved review threads unknown';
  }
  return undefined;
}

const minutes = (ms: number) => `${Math.round((ms / 60_000) * 10) / 10} min`;

/** What to do with a tracked PR this poll (pure: `now` is the only clock). */
export function decideAutoMerge(pr: MergeCandidate, settings: AutoMergeSettings, now: number): AutoMergeDecision {
  const wasGreen = pr.greenSince !== undefined;
  if (!settings.enabled) {
    return wasGreen
      ? { action: 'reset', reason: 'auto-merge is off' }
      : { action: 'none', reason: 'auto-merge is off' };
  }
  const why = notGreenReason(pr);
  if (why !== undefined) {
    return wasGreen
      ? { action: 'reset', reason: `no longer green: ${why}` }
      : { action: 'none', reason: `not green: ${why}` };
  }
  // The grace period belongs to one commit: green from before the current head was first seen
  // (TrackedPr.shaSeenAt) does not count for it.
  let greenSince = pr.greenSince ?? now;
  if (pr.shaSeenAt !== undefined && pr.shaSeenAt > greenSince)
    greenSince = Math.max(greenSince, Math.min(pr.shaSeenAt, now));
  const graceMs = Math.max(0, settings.graceMinutes) * 60_000;
  const elapsed = Math.max(0, now - greenSince); // a clock that went back counts as no time
  // approval: merge — green and past its grace, the PR still waits for the operator.
  const approvalWait = mergeApprovalWait(pr);
  if (elapsed >= graceMs && approvalWait) return { action: 'wait', reason: approvalWait, greenSince };
  if (elapsed >= graceMs) {
    return {
      action: 'merge',
      reason: `green for ${minutes(elapsed)} (grace ${settings.graceMinutes} min)`,
      greenSince,
    };
  }
  return {
    action: 'wait',
    reason: wasGreen
      ? `green for ${minutes(elapsed)}; merging after ${settings.graceMinutes} min`
      : `turned green; merging after ${settings.graceMinutes} min if it stays green`,
    greenSince,
  };
}

/** GitHub's merge box for a PR (pullMergeState), with the review counts read when it is blocked. */
export interface MergeBox {
  draft: boolean;
  mergeable: boolean | null;
  mergeableState: string;
  baseRef: string;
  /** Approving reviews the base branch requires; undefined when the rules are not readable. */
  requiredApprovals?: number;
  approvals?: number;
  changesRequestedBy?: readonly string[];
}

export interface MergeWait {
  reason: string;
  /** Worth a chat line: false for 'unknown', which GitHub settles by itself within seconds. */
  tell: boolean;
}

const reviews = (n: number) => `${n} approving review${n === 1 ? '' : 's'}`;

/**
 * Why GitHub would refuse a merge now, or undefined when its merge box allows one. `unstable`
 * (a check that is not required failed) and `has_hooks` are mergeable; a draft is not, whatever
 * mergeable_state says (a PR converted to draft can still say `clean`).
 */
export function mergeBoxWait(box: MergeBox): MergeWait | undefined {
  if (box.draft || box.mergeableState === 'draft') return { reason: 'it is a draft', tell: true };
  switch (box.mergeableState) {
    case 'clean':
    case 'unstable':
    case 'has_hooks':
      return box.mergeable === false ? { reason: 'GitHub says it cannot be merged', tell: true } : undefined;
    case 'behind':
      return { reason: `the branch is behind ${box.baseRef}`, tell: true };
    case 'dirty':
      return { reason: `it has merge conflicts with ${box.baseRef}`, tell: true };
    case 'blocked': {
      const { requiredApprovals: required, approvals } = box;
      if (box.changesRequestedBy && box.changesRequestedBy.length > 0)
        return { reason: `changes requested by ${box.changesRequestedBy.join(', ')}`, tell: true };
      if (required !== undefined && approvals !== undefined && approvals < required)
        return {
          reason:
            approvals === 0 ? `${reviews(required)} required` : `${reviews(required)} required, ${approvals} given`,
          tell: true,
        };
      return { reason: 'GitHub blocks the merge (branch protection or rulesets)', tell: true };
    }
    default: // 'unknown': GitHub is still computing it
      return { reason: 'GitHub is still working out whether it can be merged', tell: false };
  }
}

/** A merge GitHub refused (405/409/422) for one head commit, with the merge box it had then. */
export interface MergeRefusal {
  sha: string;
  reason: string;
  mergeableState: string;
}

/**
 * Whether asking again would repeat a refusal: same head commit and the merge box unchanged.
 * A new push, or GitHub's merge box moving (e.g. blocked → clean), is worth one more try.
 */
export function repeatsRefusal(refusal: MergeRefusal | undefined, sha: string, mergeableState: string): boolean {
  return refusal !== undefined && refusal.sha === sha && refusal.mergeableState === mergeableState;
}
