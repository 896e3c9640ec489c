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
}

export interface Relay {
  viewer: string;
  stop: () => void;
}

export const PRESENCE_TTL_MS = 6_000;

export async function startRelay({ bus, send, ttlMs = PRESENCE_TTL_MS }: RelayOptions): Promise<Relay> {
  const viewer = randomUUID();
  const unsubscribe = bus.subscribe(bus.subjects.inspectAll, readInspectionRecord, (record) => send(record));
  // The subscription must be in place at the server before the machines announce themselves.
  await bus.rtt();
  const present = () => bus.publish(bus.subjects.inspectorPresence, { viewer, ttlMs });
  present();
  const timer = setInterval(present, Math.floor(ttlMs / 3));
  return {
    viewer,
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}
