// A mission as the missions service's get and list replies carry it: the stored record plus what
// the service works out when it answers, never stored. `waitingFor` names the running mission a
// pending one waits for because it holds the same branch (docs/missions.md#one-mission-per-branch).
import type { Mission } from './mission.js';

export interface MissionWaitingFor {
  /** The id of the mission holding the branch. */
  mission: string;
  /** The branch, or the pull request (`owner/repo#42`) until a run has recorded its branch. */
  branch: string;
}

/** One mission in a get or list reply. */
export type MissionReply = Mission & { waitingFor?: MissionWaitingFor };

/**
 * The `waitingFor` of a mission read from a reply, checked where it is read: undefined when the
 * mission does not wait, or the field is unusable (an older or broken missions actor).
 */
export function readWaitingFor(mission: unknown): MissionWaitingFor | undefined {
  const field = (mission as { waitingFor?: unknown } | null)?.waitingFor;
  if (typeof field !== 'object' || field === null) return undefined;
  const { mission: id, branch } = field as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || typeof branch !== 'string' || branch === '') return undefined;
  return { mission: id, branch };
}

/** `waits for <id> on <branch>`, as missions.md, the CLI and the chat say it. */
export function waitingForText(w: MissionWaitingFor): string {
  return `waits for ${w.mission} on ${w.branch}`;
}
