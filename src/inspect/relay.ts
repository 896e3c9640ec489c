// The bus side of `inspect`: keeps an inspector's presence fresh on <prefix>.inspector.presence
// (machines publish only while it is, src/inspect/gate.ts) and hands every record from
// <prefix>.inspect.> to `send` — the Stately inspector, through @statelyai/inspect.
import { randomUUID } from 'node:crypto';
import type { Bus } from '../bus/index.js';
import { readInspectionRecord, type InspectionRecord } from '../contracts/inspection.js';

export interface RelayOptions {
  bus: Bus;
  send: (record: InspectionRecord) => void;
  /** How long one presence keeps the machines publishing; renewed three times within it. */
  ttlMs?: number;
  /** Only these processes are to publish (asked at each renewal); undefined: every one. */
  actors?: () => readonly string[] | undefined;
  /** Only the machines' state changes are wanted (the live page), not every event. */
  changesOnly?: boolean;
}

export interface Relay {
  viewer: string;
  /** Says the presence again now: after `actors` changed, so the change takes effect at once. */
  renew: () => void;
  stop: () => void;
}

export const PRESENCE_TTL_MS = 6_000;

export async function startRelay({
  bus,
  send,
  ttlMs = PRESENCE_TTL_MS,
  actors,
  changesOnly,
}: RelayOptions): Promise<Relay> {
  const viewer = randomUUID();
  const unsubscribe = bus.subscribe(bus.subjects.inspectAll, readInspectionRecord, (record) => send(record));
  // The subscription must be in place at the server before the machines announce themselves.
  await bus.rtt();
  const present = () => {
    const only = actors?.();
    bus.publish(bus.subjects.inspectorPresence, {
      viewer,
      ttlMs,
      ...(only ? { actors: [...only] } : {}),
      ...(changesOnly ? { changesOnly } : {}),
    });
  };
  present();
  const timer = setInterval(present, Math.floor(ttlMs / 3));
  return {
    viewer,
    renew: present,
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
