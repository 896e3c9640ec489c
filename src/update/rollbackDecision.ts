// Whether a build switched to by /update has proved itself, failed, or is still rolling in: judged
// each time a child leaves `starting` (reached running, or crashed or hung there). Only processes
// started after the switch ran the new build; what happens to older ones says nothing about it.
import type { SwitchRecord } from './switchRecord.js';

export interface StartOutcome {
  child: string;
  /** When the process was started, ms since the epoch. */
  startedAt: number;
  reachedRunning: boolean;
  /** Why it did not (the child machine's reason), for the rollback message. */
  reason?: string;
}

export type ReleaseVerdict =
  | { kind: 'none' }
  | { kind: 'rollback'; reason: string }
  | { kind: 'confirm' }
  | { kind: 'progress'; onNewBuild: string[] };

/**
 * `target` is where the link points now: a switch made by hand since the record was written is
 * not the record's to judge. `onNewBuild` are the children already running on the new build, and
 * `children` all that must be before the build counts as confirmed.
 */
export function judgeStart(
  record: SwitchRecord | undefined,
  target: string | undefined,
  start: StartOutcome,
  onNewBuild: readonly string[],
  children: readonly string[],
): ReleaseVerdict {
  if (!record || record.state !== 'pending' || target !== record.to) return { kind: 'none' };
  if (start.startedAt < record.at) return { kind: 'none' };
  if (!start.reachedRunning) {
    const why = start.reason ? ` (${start.reason})` : '';
    return { kind: 'rollback', reason: `${start.child} did not reach running on build ${record.buildId}${why}` };
  }
  const now = [...new Set([...onNewBuild, start.child])];
  return children.every((c) => now.includes(c)) ? { kind: 'confirm' } : { kind: 'progress', onNewBuild: now };
}
