// Answers from the index, without reading the bucket: id prefixes, listings and counts.
import type { Mission, MissionStatus } from '../../contracts/index.js';
import { AmbiguousMissionIdError, BadRequestError, InvalidRecordError, UnknownMissionError } from '../errors.js';
import { compareQueue } from '../transitions.js';
import type { MissionIndex } from './missionIndex.js';
import type { ListOptions } from './types.js';

/** The full id for an id or a unique prefix of one. */
export function resolveId(index: MissionIndex, idOrPrefix: string): string {
  const wanted = idOrPrefix.trim().toLowerCase();
  if (wanted === '') throw new BadRequestError('a mission id is empty');
  if (index.has(wanted)) return wanted;
  const quarantined = index.quarantinedRecord(wanted);
  if (quarantined) throw new InvalidRecordError(wanted, quarantined.reason);
  const matches: string[] = [];
  for (const id of index.ids()) if (id.startsWith(wanted)) matches.push(id);
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) throw new AmbiguousMissionIdError(idOrPrefix, matches.sort());
  throw new UnknownMissionError(idOrPrefix);
}

/** An id prefix resolved through the index; an id the index has not seen is kept for a bucket read. */
export function resolveOrKeep(index: MissionIndex, idOrPrefix: string): string {
  try {
    return resolveId(index, idOrPrefix);
  } catch (error) {
    if (error instanceof UnknownMissionError) return idOrPrefix.trim().toLowerCase();
    throw error;
  }
}

/** Running first (oldest start first), then pending in queue order, then finished, newest first. */
export function listMissions(index: MissionIndex, options: ListOptions = {}): Mission[] {
  const wanted =
    options.status === undefined
      ? undefined
      : new Set(typeof options.status === 'string' ? [options.status] : options.status);
  const missions: Mission[] = [];
  for (const mission of index.missions()) if (!wanted || wanted.has(mission.status)) missions.push(mission);
  missions.sort(compareListing);
  return options.limit !== undefined && options.limit >= 0 ? missions.slice(0, options.limit) : missions;
}

const LISTING_RANK: Record<MissionStatus, number> = {
  running: 0,
  awaiting_approval: 1,
  pending: 2,
  done: 3,
  failed: 3,
  cancelled: 3,
};

export function compareListing(a: Mission, b: Mission): number {
  const rank = LISTING_RANK[a.status] - LISTING_RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'pending' && b.status === 'pending') return compareQueue(a, b);
  if (a.status === 'running' && b.status === 'running')
    return (a.startedAt ?? 0) - (b.startedAt ?? 0) || (a.id < b.id ? -1 : 1);
  return (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt) || (a.id < b.id ? 1 : -1);
}
