// What a mission event means for the PR poller: roshi pushed to a PR of a registered repository
// (it enters the CI queue), pushed to one of another repository, worked on a PR (own activity,
// so the next head is roshi's push), or nothing. docs/github.md#the-ci-queue
import { parsePullUrl } from '../adapters/github/index.js';
import type { MissionEvent } from '../contracts/index.js';
import { isOwnBranch } from '../runner/slug.js';

type PullRef = NonNullable<ReturnType<typeof parsePullUrl>>;

export type MissionEventMeaning =
  | { type: 'pushed'; ref: PullRef; url: string; branch: string; push: string }
  | { type: 'unregistered'; repo: string; url: string }
  | { type: 'activity'; ref: PullRef }
  /** The operator answered a merge approval of a mission with a PR (mergeApproval.ts). */
  | { type: 'approval'; ref: PullRef }
  | { type: 'none' };

/**
 * One push: the mission and the time of its `finished` event. The durable stream may hand the
 * same event over again (docs/github.md#the-ci-queue); a mission finishing again is a new push.
 */
export function pushId(event: MissionEvent): string {
  return `${event.id}@${event.at}`;
}

/** Events by which a roshi mission on a PR was claimed or ended. */
const ACTIVITY: readonly string[] = ['claimed', 'finished', 'failed', 'requeued', 'cancelled', 'expired'];

export function missionEventMeaning(
  event: MissionEvent,
  settings: { branchPrefix: string; repos: readonly string[] },
): MissionEventMeaning {
  const prUrl = event.type === 'finished' ? event.result?.prUrl : undefined;
  if (prUrl !== undefined) {
    const ref = parsePullUrl(prUrl);
    const branch = event.result?.branch ?? '';
    if (!ref || !isOwnBranch(settings.branchPrefix, branch)) return { type: 'none' };
    if (!settings.repos.includes(ref.repo)) return { type: 'unregistered', repo: ref.repo, url: prUrl };
    return { type: 'pushed', ref, url: prUrl, branch, push: pushId(event) };
  }
  if ((event.type === 'approved' || event.type === 'rejected') && event.approval?.gate === 'merge') {
    const ref = event.result?.prUrl ? parsePullUrl(event.result.prUrl) : undefined;
    return ref ? { type: 'approval', ref } : { type: 'none' };
  }
  if (event.url === undefined || !ACTIVITY.includes(event.type)) return { type: 'none' };
  const ref = parsePullUrl(event.url);
  return ref ? { type: 'activity', ref } : { type: 'none' };
}
