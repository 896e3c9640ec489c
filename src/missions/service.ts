// The mission store on the bus: request handlers for <prefix>.missions.{add,list,get,cancel,
// priority}; payloads and replies are in docs/subjects.md#roshimissions. Every payload is
// validated here, at the boundary: a bad one is answered with code bad_request naming the field;
// the store's refusals travel in the reply envelope with their own codes. Ids may be a prefix.
// Who asks is known from the subject, not the payload, and decides `source` (a payload `source`
// that disagrees is ignored); `by` is taken from the payload because these identities vouch for
// a person. See docs/subjects.md#who-asks-source-and-by.
import type { EndpointSpec, Payload, Subjects } from '../bus/index.js';
import { OPERATOR_USER } from '../bus/permissions.js';
import { RemoteError, RoshiError } from '../errors.js';
import { BadRequestError } from './errors.js';
import { INTAKE_MAX_LENGTH } from './store/intakeKeys.js';
import type { Mission, MissionSource, MissionStatus } from '../contracts/index.js';
import { parseActorName } from '../contracts/actorName.js';
import type { MissionReply } from '../contracts/missionReply.js';
import { clip } from '../text/oneLine.js';
import type { MissionStore, QuarantinedRecord, ReorderTarget } from './store.js';

export const MISSION_VERBS = ['add', 'list', 'get', 'cancel', 'priority'] as const;
export type MissionVerb = (typeof MISSION_VERBS)[number];

const STATUSES: readonly MissionStatus[] = ['pending', 'running', 'awaiting_approval', 'done', 'failed', 'cancelled'];
const SOURCES: readonly MissionSource[] = ['chat', 'cli', 'nats', 'github', 'file', 'web'];
/** Missions in one list reply unless asked otherwise, and at most. */
export const LIST_DEFAULT_LIMIT = 200;
export const LIST_MAX_LIMIT = 1000;
/** Replies stay well under NATS's default 1 MB max_payload. */
const LIST_MAX_BYTES = 512 * 1024;

export interface ListReply {
  /** Each pending one that waits for another's branch says for whom (`waitingFor`). */
  missions: MissionReply[];
  /** Missions matching the filter, before the limit. */
  total: number;
  /** Fewer missions than the limit allowed, because the reply would have been too large. */
  truncated: boolean;
  counts: Record<MissionStatus, number>;
  /** Records in the bucket that are not missions (quarantined), whatever the filter. */
  invalid: QuarantinedRecord[];
  /** Finished missions moved to the archive file (docs/missions.md#retention), when known. */
  archived?: number;
}

/** Where the count of archived missions comes from (the retention in the missions actor). */
export interface ArchiveCount {
  readonly archived: number;
}

/** A bus user asked for something its identity may not do (e.g. a runner adding a mission). */
export class ForbiddenError extends RoshiError {
  override readonly code = 'forbidden';
}

/** The source a mission added by `identity` gets, or undefined when that identity may not add. */
export function sourceOf(identity: string, claimed: MissionSource | undefined): MissionSource | undefined {
  if (identity === OPERATOR_USER) return claimed === 'cli' ? 'cli' : 'nats';
  const kind = parseActorName(identity)?.kind; // `h1-bridge` is a bridge (docs/scale-out.md#hosts-and-names)
  if (kind === 'bridge') return 'chat';
  if (kind === 'pr-poller') return 'github';
  if (kind === 'web') return 'web'; // the live page, acting for the operator who logged in
  return undefined;
}

/** The identity a request subject carries: the operator's bare verb, or the user token after it. */
export function identityOf(subject: string, subjects: Subjects, verb: string): string {
  const bare = subjects.missions(verb);
  return subject.startsWith(`${bare}.`) ? subject.slice(bare.length + 1) : OPERATOR_USER;
}

export type MissionHandler = (payload: Payload, identity: string) => unknown;

export function missionHandlers(store: MissionStore, archive?: ArchiveCount): Record<MissionVerb, MissionHandler> {
  return {
    add: async (p, identity) => {
      only(p, 'add', ['text', 'project', 'now', 'source', 'by', 'context', 'intake']);
      const text = requiredString(p, 'text');
      const project = optionalString(p, 'project');
      const now = optionalBoolean(p, 'now');
      const source = sourceOf(identity, optionalEnum(p, 'source', SOURCES));
      if (!source) throw new ForbiddenError(`${identity} may not add missions`);
      const by = optionalString(p, 'by') ?? identity;
      const context = optionalString(p, 'context');
      const intake = optionalString(p, 'intake');
      if (intake !== undefined && (intake === '' || intake.length > INTAKE_MAX_LENGTH))
        throw new BadRequestError(`field "intake" must be a message identity of 1 to ${INTAKE_MAX_LENGTH} characters`);
      return store.add({
        ...(intake !== undefined ? { intake } : {}),
        text,
        ...(project ? { project } : {}),
        ...(now ? { now } : {}),
        source,
        by,
        ...(context ? { context } : {}),
      });
    },
    list: (p): ListReply => {
      only(p, 'list', ['status', 'limit']);
      const status = statusFilter(p);
      const limit = p.limit === undefined ? LIST_DEFAULT_LIMIT : integerIn(p, 'limit', 0, LIST_MAX_LIMIT);
      const all = store.list(status ? { status } : {});
      const missions: MissionReply[] = [];
      let bytes = 2;
      let truncated = false;
      const waits = { waitingFor: store.branchWaits() };
      for (const stored of all.slice(0, limit)) {
        const mission = asReply(waits, stored);
        bytes += JSON.stringify(mission).length + 1;
        if (bytes > LIST_MAX_BYTES) {
          truncated = true;
          break;
        }
        missions.push(mission);
      }
      const archived = archive ? { archived: archive.archived } : {};
      return {
        missions,
        total: all.length,
        truncated,
        counts: store.counts(),
        invalid: store.quarantined(),
        ...archived,
      };
    },
    get: async (p) => {
      only(p, 'get', ['id']);
      return asReply(store, await store.get(requiredString(p, 'id')));
    },
    cancel: (p) => {
      only(p, 'cancel', ['id', 'by']);
      const by = optionalString(p, 'by');
      return store.cancel(requiredString(p, 'id'), by);
    },
    priority: (p) => {
      only(p, 'priority', ['id', 'to']);
      const id = requiredString(p, 'id');
      return store.reorder(id, reorderTarget(p));
    },
  };
}

/**
 * A mission as get and list answer with it: a pending one whose branch a running mission holds
 * names that mission, so an operator sees why it does not start (docs/missions.md#one-mission-per-branch).
 */
export function asReply(store: Pick<MissionStore, 'waitingFor'>, mission: Mission): MissionReply {
  // Only a pending mission can wait; skip working out the held branches for the others.
  const holder = mission.status === 'pending' ? store.waitingFor(mission) : undefined;
  return holder ? { ...mission, waitingFor: { mission: holder.id, branch: holder.label } } : mission;
}

/**
 * The handlers as NATS micro endpoints (queue group "q": a second missions actor shares the
 * load), each on the operator's bare subject and on the one other users ask on.
 */
export function missionEndpoints(store: MissionStore, subjects: Subjects, archive?: ArchiveCount): EndpointSpec[] {
  const handlers = missionHandlers(store, archive);
  return forEveryIdentity(
    MISSION_VERBS.map((verb) => ({
      name: verb,
      subject: subjects.missions(verb),
      handler: asRefusals((payload, subject) => handlers[verb](payload, identityOf(subject, subjects, verb))),
    })),
  );
}

/** Each endpoint also on `<subject>.*`, where a user other than the operator asks (pause, resume too). */
export function forEveryIdentity(endpoints: EndpointSpec[]): EndpointSpec[] {
  return endpoints.flatMap((e) => [e, { ...e, name: `${e.name}-as`, subject: `${e.subject}.*` }]);
}

/**
 * A refusal (duplicate, unknown id, bad field…) is an ordinary answer, not a handler failure:
 * passed on as a RemoteError with its code, which the bus replies with without logging a
 * warning and a stack for every operator typo. Anything not a RoshiError still reaches the bus as a failure.
 */
function asRefusals(
  handler: (payload: Payload, subject: string) => unknown,
): (payload: Payload, subject: string) => Promise<unknown> {
  return async (payload, subject) => {
    try {
      return await handler(payload, subject);
    } catch (error) {
      if (error instanceof RoshiError && !(error instanceof RemoteError))
        throw new RemoteError(error.message, error.code);
      throw error;
    }
  };
}

// ── validation ──────────────────────────────────────────────────────────────────────────────

function only(p: Payload, verb: string, allowed: readonly string[]): void {
  const unknown = Object.keys(p).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `${verb}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${allowed.join(', ')}`,
    );
  }
}

function requiredString(p: Payload, field: string): string {
  const value = p[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new BadRequestError(`field "${field}" must be a non-empty string, got ${describe(value)}`);
  return value;
}

function optionalString(p: Payload, field: string): string | undefined {
  const value = p[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequestError(`field "${field}" must be a string, got ${describe(value)}`);
  return value;
}

function optionalBoolean(p: Payload, field: string): boolean | undefined {
  const value = p[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean')
    throw new BadRequestError(`field "${field}" must be true or false, got ${describe(value)}`);
  return value;
}

function optionalEnum<T extends string>(p: Payload, field: string, values: readonly T[]): T | undefined {
  const value = p[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new BadRequestError(`field "${field}" must be one of ${values.join(', ')}, got ${describe(value)}`);
  }
  return value as T;
}

function integerIn(p: Payload, field: string, min: number, max: number): number {
  const value = p[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`field "${field}" must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function statusFilter(p: Payload): MissionStatus[] | undefined {
  const value = p.status;
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== 'string' || !(STATUSES as readonly string[]).includes(item)) {
      throw new BadRequestError(
        `field "status" must be one of ${STATUSES.join(', ')} (or a list of them), got ${describe(value)}`,
      );
    }
  }
  return list as MissionStatus[];
}

function reorderTarget(p: Payload): ReorderTarget {
  const to = p.to;
  if (to === 'top' || to === 'bottom') return to;
  if (typeof to === 'number' && Number.isInteger(to) && to >= 1) return to;
  if (typeof to === 'string' && /^\d+$/.test(to) && Number(to) >= 1) return Number(to);
  throw new BadRequestError(`field "to" must be "top", "bottom" or a queue position from 1, got ${describe(to)}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(clip(value, 40));
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
