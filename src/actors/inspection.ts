// XState inspection events, published on <prefix>.inspect.<actor> so a local page (or
// `nats sub 'roshi.inspect.>'`) can follow every machine live. Only snapshots and events are
// sent — microsteps and action records would multiply the traffic without telling more.
import type { InspectionEvent } from 'xstate';

export interface InspectionRecord {
  actor: string;
  kind: 'event' | 'snapshot';
  actorId: string;
  at: number;
  event?: unknown;
  state?: unknown;
  context?: unknown;
  status?: string;
}

export function toInspectionRecord(actor: string, inspection: InspectionEvent): InspectionRecord | undefined {
  const actorId = (inspection.actorRef as { id?: string }).id ?? 'unknown';
  const at = Date.now();
  if (inspection.type === '@xstate.event') {
    return { actor, kind: 'event', actorId, at, event: plain(inspection.event) };
  }
  if (inspection.type === '@xstate.snapshot') {
    const snapshot = inspection.snapshot as { value?: unknown; context?: unknown; status?: string };
    return {
      actor,
      kind: 'snapshot',
      actorId,
      at,
      state: snapshot.value,
      context: plain(snapshot.context),
      status: snapshot.status ?? '',
    };
  }
  return undefined;
}

/** JSON-safe copy: actor refs and functions inside context become their ids or are dropped. */
function plain(value: unknown): unknown {
  try {
    return JSON.parse(
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'function') return undefined;
        if (v && typeof v === 'object' && 'sessionId' in v && 'send' in v)
          return `actor:${(v as unknown as { id: string }).id}`;
        return v;
      }),
    );
  } catch {
    return '[unserialisable]';
  }
}
