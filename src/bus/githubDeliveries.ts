// The GitHub delivery log: stream <PREFIX>_GITHUB_DELIVERIES keeps one summary per verified
// webhook delivery, published with the delivery id as JetStream message id, so a redelivered one
// is dropped by the server for as long as the duplicate window lasts (the server rebuilds that
// window from the stored messages after a restart). The webhook actor answers GitHub only after
// this publish is acknowledged. docs/github.md#webhooks
import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type StreamConfig } from 'nats';
import type { Bus } from './bus.js';
import { encode } from './codec.js';

/** GitHub keeps deliveries (and offers a redelivery) for 3 days: a duplicate within that is dropped. */
const DUPLICATE_WINDOW_MS = 3 * 24 * 3600_000;
const MAX_AGE_MS = 7 * 24 * 3600_000;
const MAX_MESSAGES = 100_000;

/** Creates the stream or brings it to this config; true when it was created just now. */
export async function ensureDeliveryLog(bus: Bus): Promise<boolean> {
  const jsm = await bus.nc.jetstreamManager();
  const name = bus.subjects.githubDeliveriesStream;
  const config: Partial<StreamConfig> = {
    subjects: [bus.subjects.githubDeliveries],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs: MAX_MESSAGES,
    max_age: nanos(MAX_AGE_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, config);
    return false;
  } catch {
    await jsm.streams.add({ name, ...config });
    return true;
  }
}

/** Records one delivery under its id; `duplicate` when the server already holds that id. */
export async function recordDelivery(
  bus: Bus,
  deliveryId: string,
  summary: unknown,
): Promise<{ seq: number; duplicate: boolean }> {
  const ack = await bus.nc.jetstream().publish(bus.subjects.githubDeliveries, encode(summary), { msgID: deliveryId });
  return { seq: ack.seq, duplicate: ack.duplicate };
}
