// What machines publish on <prefix>.inspect.<actor>, in the format the Stately inspector reads
// (@statelyai/inspect: @xstate.actor with the machine definition, @xstate.event, @xstate.snapshot),
// plus `actor`, the process that published it. Session ids are prefixed with the process name
// ("runner-1/x:0"): XState numbers sessions per process. See docs/observability.md#stately-inspector.
import { reader } from './subject.js';

/** The @statelyai/inspect protocol version the records follow (a unit test keeps it equal to the package). */
export const STATELY_INSPECT_VERSION = '0.7.2';

interface RecordBase {
  /** The roshi process (actor name or `supervisor`) that published the record. */
  actor: string;
  sessionId: string;
  rootId: string | undefined;
  createdAt: string;
  id: string | null;
  _version: string;
}

export interface InspectedSnapshot {
  status?: string;
  value?: unknown;
  context?: unknown;
  output?: unknown;
  [key: string]: unknown;
}

/** An actor is alive: its machine definition (JSON of the machine config) and current snapshot. */
export interface ActorRecord extends RecordBase {
  type: '@xstate.actor';
  name: string;
  parentId: string | undefined;
  definition: string | undefined;
  snapshot: InspectedSnapshot;
}

/** An event was sent to the actor (sourceId: the sender, when an actor sent it). */
export interface EventRecord extends RecordBase {
  type: '@xstate.event';
  sourceId: string | undefined;
  event: { type: string; [key: string]: unknown };
}

/** The actor's snapshot after it processed `event`. */
export interface SnapshotRecord extends RecordBase {
  type: '@xstate.snapshot';
  event: { type: string; [key: string]: unknown };
  snapshot: InspectedSnapshot;
}

export type InspectionRecord = ActorRecord | EventRecord | SnapshotRecord;

const TYPES = new Set(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

/** The one validator: an inspection record as received, or undefined when it is not one. */
export function toInspectionRecord(payload: Record<string, unknown>): InspectionRecord | undefined {
  const { type, actor, sessionId, rootId, createdAt, _version } = payload;
  if (typeof type !== 'string' || !TYPES.has(type)) return undefined;
  if (typeof actor !== 'string' || typeof sessionId !== 'string' || !sessionId.startsWith(`${actor}/`))
    return undefined;
  if (!optionalString(rootId) || typeof createdAt !== 'string' || typeof _version !== 'string') return undefined;
  if (type === '@xstate.actor') {
    const { name, parentId, definition, snapshot } = payload;
    if (typeof name !== 'string' || !optionalString(parentId) || !optionalString(definition)) return undefined;
    if (!isObject(snapshot)) return undefined;
  } else {
    const event = payload.event;
    if (!isObject(event) || typeof event.type !== 'string') return undefined;
    if (type === '@xstate.snapshot' && !isObject(payload.snapshot)) return undefined;
    if (type === '@xstate.event' && !optionalString(payload.sourceId)) return undefined;
  }
  return payload as unknown as InspectionRecord;
}

/**
 * An inspector is attached: published by `inspect` on <prefix>.inspector.presence every few
 * seconds. Machines publish records only until `ttlMs` after the latest one; a viewer id they
 * have not seen makes them announce every live actor again (@xstate.actor with its definition).
 */
export interface InspectorPresence {
  viewer: string;
  ttlMs: number;
  /** Only these processes (`runner-1`, `supervisor`, …) are to publish; absent: every one. */
  actors?: string[];
  /**
   * The viewer needs only each process machine's state changes (the live page), not every event
   * and snapshot: while no viewer wants more, a process publishes only those snapshots.
   */
  changesOnly?: boolean;
}

/** The one validator for presence payloads. */
export function toInspectorPresence(payload: Record<string, unknown>): InspectorPresence | undefined {
  const { viewer, ttlMs, actors, changesOnly } = payload;
  if (typeof viewer !== 'string' || viewer === '') return undefined;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > 600_000) return undefined;
  if (changesOnly !== undefined && typeof changesOnly !== 'boolean') return undefined;
  const brief = changesOnly === true ? { changesOnly } : {};
  if (actors === undefined) return { viewer, ttlMs, ...brief };
  if (!Array.isArray(actors) || actors.length > 100 || !actors.every((a) => typeof a === 'string' && a !== ''))
    return undefined;
  return { viewer, ttlMs, actors: actors as string[], ...brief };
}

/** Readers for Bus.subscribe on the typed subjects. */
export const readInspectionRecord = reader<InspectionRecord>((payload) => toInspectionRecord(payload));
export const readInspectorPresence = reader<InspectorPresence>((payload) => toInspectorPresence(payload));
