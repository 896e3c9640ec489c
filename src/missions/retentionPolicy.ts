// Which finished missions leave the bucket for the archive: those that finished longer ago than
// missions.keepFinished, and those beyond the newest missions.keepFinishedMax. A limit of 0 is
// off. Pure, so the rule is tested without a bucket (docs/missions.md#retention).
import type { RoshiConfig } from '../config/index.js';

export interface RetentionSettings {
  /** <stateDir>: the archive is <stateDir>/missions-archive.jsonl. */
  stateDir: string;
  /** Finished missions older than this are archived; 0: no age limit. */
  keepFinishedMs: number;
  /** At most this many finished missions stay in the bucket, the newest; 0: no count limit. */
  keepFinishedMax: number;
  /** Intake claims (store/intakeKeys.ts) older than this are deleted; 0: kept forever. */
  keepIntakeMs: number;
  /** How often the missions actor runs a pass. */
  intervalMs: number;
}

export function retentionSettings(config: RoshiConfig): RetentionSettings {
  const m = config.missions;
  return {
    stateDir: config.stateDir,
    keepFinishedMs: m.keepFinished,
    keepFinishedMax: m.keepFinishedMax,
    keepIntakeMs: m.keepIntake,
    intervalMs: m.archiveInterval,
  };
}

/** What a pass needs to know of a finished mission in the bucket. */
export interface FinishedRecord {
  id: string;
  revision: number;
  /** When it finished (finishedAt, else updatedAt). */
  at: number;
}

/** An intake claim in the bucket: its key, revision and when its message came. */
export interface IntakeRecord {
  key: string;
  revision: number;
  at: number;
}

/** The intake claims older than keepIntake: a redelivery of their message is no longer expected. */
export function expiredIntakes(records: readonly IntakeRecord[], now: number, keepIntakeMs: number): IntakeRecord[] {
  return keepIntakeMs > 0 ? records.filter((r) => r.at < now - keepIntakeMs) : [];
}

/** The records to archive, oldest first. */
export function expiredMissions(
  records: readonly FinishedRecord[],
  now: number,
  policy: Pick<RetentionSettings, 'keepFinishedMs' | 'keepFinishedMax'>,
): FinishedRecord[] {
  const newestFirst = [...records].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
  const cutoff = policy.keepFinishedMs > 0 ? now - policy.keepFinishedMs : -Infinity;
  const expired = newestFirst.filter(
    (r, rank) => r.at < cutoff || (policy.keepFinishedMax > 0 && rank >= policy.keepFinishedMax),
  );
  return expired.reverse();
}
