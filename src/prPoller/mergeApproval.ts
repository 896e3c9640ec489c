// The merge approval gate on a followed PR (docs/missions.md#approval): a mission held at
// `approval: merge` finished with its PR; the PR's auto-merge waits until the operator's
// /approve, and never comes after /reject. The state arrives with the mission's events.
import type { MissionEvent } from '../contracts/index.js';
import type { MergeApproval, TrackedPr } from './types.js';

/** Why auto-merge waits for a person, or undefined when nothing is asked (or it was approved). */
export function mergeApprovalWait(pr: Pick<TrackedPr, 'mergeApproval'>): string | undefined {
  const approval = pr.mergeApproval;
  if (!approval || approval.state === 'approved') return undefined;
  return approval.state === 'rejected'
    ? `approval: merge was rejected${approval.by ? ` by ${approval.by}` : ''} (mission ${approval.mission}); merge it by hand if wanted`
    : `approval: merge — waiting for /approve ${approval.mission}`;
}

/** The merge approval a mission event carries (finished, approved, rejected), if any. */
export function mergeApprovalOf(event: MissionEvent): MergeApproval | undefined {
  const approval = event.approval;
  if (approval?.gate !== 'merge') return undefined;
  return { mission: event.id, state: approval.state, ...(approval.by ? { by: approval.by } : {}) };
}

/** The PR after a push: the pushing mission's ask, or none (a push that asks nothing clears it). */
export function withMergeApproval<T extends Pick<TrackedPr, 'mergeApproval'>>(
  pr: T,
  approval: MergeApproval | undefined,
): T {
  const next = { ...pr };
  if (approval) next.mergeApproval = approval;
  else delete next.mergeApproval;
  return next;
}
