// XState inspection events turned into the records the Stately inspector reads
// (src/contracts/inspection.ts), published on <prefix>.inspect.<actor>. Microsteps and action
// records are not sent: they multiply the traffic without telling more. Session ids get the
// process name in front, since XState numbers sessions per process ("x:0" in every one).
import type { AnyActorRef, InspectionEvent } from 'xstate';
import {
  STATELY_INSPECT_VERSION,
  type ActorRecord,
  type InspectedSnapshot,
  type InspectionRecord,
} from '../contracts/inspection.js';

type InspectedRef = AnyActorRef & {
  _parent?: AnyActorRef;
  logic?: { config?: { id?: string } };
};

export function toInspectionRecord(actor: string, inspection: InspectionEvent): InspectionRecord | undefined {
  const base = (ref: { sessionId: string }) => ({
    actor,
    sessionId: session(actor, ref.sessionId),
    rootId: inspection.rootId ? session(actor, inspection.rootId) : undefined,
    createdAt: String(Date.now()),
    id: null,
    _version: STATELY_INSPECT_VERSION,
  });
  switch (inspection.type) {
    case '@xstate.actor':
      return actorRecord(actor, inspection.actorRef as AnyActorRef);
    case '@xstate.event':
      return {
        ...base(inspection.actorRef),
        type: '@xstate.event',
        sourceId: inspection.sourceRef ? session(actor, inspection.sourceRef.sessionId) : undefined,
        event: plain(inspection.event) as { type: string },
      };
    case '@xstate.snapshot':
      return {
        ...base(inspection.actorRef),
        type: '@xstate.snapshot',
        event: plain(inspection.event) as { type: string },
        snapshot: snapshotOf(inspection.snapshot),
      };
    default:
      return undefined;
  }
}

/**
 * The registration of a live actor, with its machine definition and current snapshot: sent when
 * it starts, and again for every live actor when a new inspector attaches (announceActors).
 */
export function actorRecord(actor: string, ref: AnyActorRef, rootName?: string): ActorRecord {
  const inspected = ref as InspectedRef;
  const config = inspected.logic?.config;
  const root = rootOf(inspected);
  const isRoot = root === inspected;
  // The process name for the machine of a process: the one name an operator knows it by.
  const own = ref.id === ref.sessionId ? (config?.id ?? ref.id) : ref.id;
  const name = rootName ? `${actor}/${rootName}` : isRoot ? actor : `${actor}/${own}`;
  return {
    actor,
    type: '@xstate.actor',
    name,
    sessionId: session(actor, ref.sessionId),
    rootId: session(actor, root.sessionId),
    parentId: inspected._parent ? session(actor, inspected._parent.sessionId) : undefined,
    // Logic without a machine config (callbacks, promises): its name, as @statelyai/inspect does.
    definition: definitionOf(typeof config === 'object' ? config : { id: name }),
    snapshot: snapshotOf(ref.getSnapshot()),
    createdAt: String(Date.now()),
    id: null,
    _version: STATELY_INSPECT_VERSION,
  };
}

/** Every live actor under `root` (itself first), parents before children. */
export function liveActors(root: AnyActorRef): AnyActorRef[] {
  const found: AnyActorRef[] = [];
  const visit = (ref: AnyActorRef) => {
    found.push(ref);
    const children = (ref.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children;
    for (const child of Object.values(children ?? {})) if (child) visit(child);
  };
  visit(root);
  return found;
}

function session(actor: string, sessionId: string): string {
  return `${actor}/${sessionId}`;
}

function rootOf(ref: InspectedRef): InspectedRef {
  let node = ref;
  while (node._parent) node = node._parent as InspectedRef;
  return node;
}

/** The machine config as JSON; functions (guards, actions given inline) become their names. */
function definitionOf(config: object): string | undefined {
  try {
    return JSON.stringify(config, (_key, v: unknown) =>
      typeof v === 'function' ? { type: (v as { name?: string }).name || 'anonymous' } : v,
    );
  } catch {
    return undefined;
  }
}

function snapshotOf(snapshot: unknown): InspectedSnapshot {
  const copy = plain(snapshot);
  return typeof copy === 'object' && copy !== null ? (copy as InspectedSnapshot) : { status: 'active' };
}

/** JSON-safe copy: actor refs inside context become their ids, functions are dropped. */
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
