// The heartbeat an actor publishes on <prefix>.hb.<actor>, and the record the receiver keeps.
// Built by src/actors/heartbeat.ts; judged by machines/liveness.ts.
import { reader } from './subject.js';

export interface HeartbeatRecord {
  actor: string;
  pid: number;
  host: string;
  bootId: string;
  buildId: string;
  state: string;
  /** A singleton's part (docs/scale-out.md#singleton-leases); absent for every other actor. */
  lease?: LeaseRole;
  seq: number;
  uptimeMs: number;
  loopLagMs: number;
  rssBytes: number;
  /** When the heartbeat was received, in ms since the epoch (receiver's clock). */
  receivedAt: number;
}

/** Where a singleton stands: waiting for its kind's lease, or holding it and working. */
export type LeaseRole = 'standby' | 'active';

/** What goes on the wire: the record the watchdog keeps, stamped by the sender instead of the receiver. */
export type HeartbeatPayload = Omit<HeartbeatRecord, 'receivedAt'> & { sentAt: number };

/** Validates a heartbeat payload at the boundary; undefined when it is unusable. */
export function toHeartbeatRecord(payload: Record<string, unknown>, receivedAt: number): HeartbeatRecord | undefined {
  const { actor, pid, bootId } = payload;
  if (typeof actor !== 'string' || typeof pid !== 'number' || typeof bootId !== 'string') return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    actor,
    pid,
    bootId,
    host: str(payload.host),
    buildId: str(payload.buildId),
    state: str(payload.state),
    ...(payload.lease === 'standby' || payload.lease === 'active' ? { lease: payload.lease } : {}),
    seq: num(payload.seq),
    uptimeMs: num(payload.uptimeMs),
    loopLagMs: num(payload.loopLagMs),
    rssBytes: num(payload.rssBytes),
    receivedAt,
  };
}

/** The reader for heartbeat subjects (Bus.subscribe checks it is used on one). */
export const readHeartbeat = reader<HeartbeatPayload, HeartbeatRecord>(toHeartbeatRecord);

/** The supervisor's answer on <prefix>.sup.heartbeats: the latest heartbeat it heard from each child. */
export interface HeartbeatsReply {
  heartbeats: HeartbeatRecord[];
}

/** The usable records of a heartbeats reply, each keeping the time the supervisor received it. */
export function toHeartbeatRecords(reply: unknown): HeartbeatRecord[] {
  const list = (reply as { heartbeats?: unknown } | null)?.heartbeats;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    if (typeof item !== 'object' || item === null) return [];
    const receivedAt = (item as { receivedAt?: unknown }).receivedAt;
    if (typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return [];
    const record = toHeartbeatRecord(item as Record<string, unknown>, receivedAt);
    return record ? [record] : [];
  });
}
