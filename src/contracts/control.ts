// The control request on <prefix>.ctl.<actor> and the replies of the verbs every actor knows
// (docs/subjects.md#roshictlactor). Actors add their own verbs; their replies stay their own.

/** The request: a verb, and for a runner's `abort` a reason. */
export interface ControlRequest {
  verb: string;
  reason?: string;
}

/** `ping`: who answers and what it runs (the supervisor sends only pong, actor and pid). */
export interface PingReply {
  pong: true;
  actor: string;
  pid: number;
  state?: unknown;
  buildId?: string;
  bootId?: string;
}

/** `snapshot`: the machine's persisted snapshot. */
export interface SnapshotReply {
  actor: string;
  state: unknown;
  snapshot: unknown;
}

/** `restart` and `stop`: accepted, then the actor drains; a busy runner defers its restart. */
export interface AcceptedReply {
  accepted: true;
  pid?: number;
  deferred?: boolean;
}

/** The verb of a control request; '' when there is none, which no verb table knows. */
export function controlVerb(payload: Record<string, unknown>): string {
  return typeof payload.verb === 'string' ? payload.verb : '';
}
