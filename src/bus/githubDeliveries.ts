// The GitHub delivery log: stream <PREFIX>_GITHUB_DELIVERIES keeps one summary per verified
// webhook delivery, published with the delivery id as JetStream message id, so a redelivered one
// is dropped by the server for as long as the duplicate window lasts (the server rebuilds that
// window from the stored messages after a restart). The webhook actor answers GitHub only after
// this publish is acknowledged. docs/github.md#webhooks
import type { Bus } from './bus.js';
import { encode } from './codec.js';
import { ensureStream } from './streams.js';

/** GitHub keeps deliveries (and offers a redelivery) for 3 days: a duplicate within that is dropped. */
const DUPLICATE_WINDOW_MS = 3 * 24 * 3600_000;
const MAX_AGE_MS = 7 * 24 * 3600_000;
const MAX_MESSAGES = 100_000;

/** Creates the stream or brings it to this config; true when it was created just now. */
export function ensureDeliveryLog(bus: Bus): Promise<boolean> {
  return ensureStream(bus, bus.subjects.githubDeliveriesStream, bus.subjects.githubDeliveries, {
    maxMessages: MAX_MESSAGES,
    maxAgeMs: MAX_AGE_MS,
    duplicateWindowMs: DUPLICATE_WINDOW_MS,
  });
}

/** Records one delivery under its id; `duplicate` when the server already holds that id. */
export async function recordDelivery(
  bus: Bus,
  deliveryId: string,
  summary: unknown,
): Promise<{ seq: number; duplicate: boolean }> {
  const ack = await bus.jetstream().publish(bus.subjects.githubDeliveries, encode(summary), { msgID: deliveryId });
  return { seq: ack.seq, duplicate: ack.duplicate };
}
