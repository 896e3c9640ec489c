// Mission lifecycle events, published on <prefix>.missions.events after every status change
// the store makes. Fire-and-forget: a listener that must not miss a change (missions.md, a
// runner holding a lease) also has the KV bucket, which is the truth.
import type { Mission, MissionApproval, MissionKind, MissionResult, MissionSource, MissionStatus } from './mission.js';
import { reader } from './subject.js';

export type MissionEventType =
  | 'added'
  | 'claimed'
  | 'finished'
  | 'requeued'
  | 'failed'
  | 'cancelled'
  | 'expired'
  // docs/missions.md#approval: held before the push, and the operator's answer.
  | 'awaiting_approval'
  | 'approved'
  | 'rejected';

export interface MissionEvent {
  type: MissionEventType;
  id: string;
  /** ms since the epoch. */
  at: number;
  /** Status after the change. */
  status: MissionStatus;
  project: string;
  kind: MissionKind;
  text: string;
  url?: string;
  source: MissionSource;
  by?: string;
  attempts: number;
  maxAttempts: number;
  transientAttempts: number;
  maxTransientAttempts: number;
  /** claimed: who took it; cancelled/expired/finished/failed/requeued: who held it. */
  runner?: string;
  /** requeued, failed, expired, cancelled: why, in a few words. */
  reason?: string;
  /** requeued: not claimed again before this time. */
  notBefore?: number;
  /** finished and failed (approved, rejected too): what the runner reported. */
  result?: MissionResult;
  /** The mission's approval gate and where it stands (docs/missions.md#approval). */
  approval?: Pick<MissionApproval, 'gate' | 'state' | 'by'>;
}

export function missionEvent(
  type: MissionEventType,
  mission: Mission,
  at: number,
  extra: { runner?: string; reason?: string } = {},
): MissionEvent {
  const event: MissionEvent = {
    type,
    id: mission.id,
    at,
    status: mission.status,
    project: mission.project,
    kind: mission.kind,
    text: mission.text,
    source: mission.source,
    attempts: mission.attempts,
    maxAttempts: mission.maxAttempts,
    transientAttempts: mission.transientAttempts,
    maxTransientAttempts: mission.maxTransientAttempts,
  };
  if (mission.url !== undefined) event.url = mission.url;
  if (mission.by !== undefined) event.by = mission.by;
  if (extra.runner !== undefined) event.runner = extra.runner;
  if (extra.reason !== undefined) event.reason = extra.reason;
  if (type === 'requeued' && mission.notBefore !== undefined) event.notBefore = mission.notBefore;
  const reports = type === 'finished' || type === 'failed' || type === 'approved' || type === 'rejected';
  if (reports && mission.result !== undefined) event.result = mission.result;
  if (mission.approval !== undefined) {
    const { gate, state, by } = mission.approval;
    event.approval = { gate, state, ...(by !== undefined ? { by } : {}) };
  }
  return event;
}

const EVENT_TYPES: readonly string[] = [
  'added',
  'claimed',
  'finished',
  'requeued',
  'failed',
  'cancelled',
  'expired',
  'awaiting_approval',
  'approved',
  'rejected',
];

/** A payload from the events subject that has the fields every event has, else undefined. */
export function toMissionEvent(payload: Record<string, unknown>): MissionEvent | undefined {
  if (typeof payload.type !== 'string' || !EVENT_TYPES.includes(payload.type)) return undefined;
  if (typeof payload.id !== 'string' || typeof payload.at !== 'number' || typeof payload.status !== 'string')
    return undefined;
  return payload as unknown as MissionEvent;
}

/** The reader for the mission events subject. */
export const readMissionEvent = reader<MissionEvent>(toMissionEvent);
