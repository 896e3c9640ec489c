// JetStream assets roshi creates idempotently at start, and the durable publish used for
// anything that must arrive (operator alerts, notifications). A plain publish while the
// connection is down is silently lost; a JetStream publish is acknowledged or fails loudly.
import { DiscardPolicy, RetentionPolicy, StorageType, nanos } from 'nats';
import type { Bus } from './bus.js';
import { encode } from './codec.js';

export interface OutboxLimits {
  maxMessages: number;
  maxAgeMs: number;
  /** Window in which a repeated message id is dropped as a duplicate. */
  duplicateWindowMs: number;
}

const DEFAULT_OUTBOX: OutboxLimits = { maxMessages: 10_000, maxAgeMs: 7 * 24 * 3600_000, duplicateWindowMs: 120_000 };

export async function ensureOutbox(bus: Bus, limits: OutboxLimits = DEFAULT_OUTBOX): Promise<void> {
  const jsm = await bus.nc.jetstreamManager();
  const name = bus.subjects.outboxStream;
  const config = {
    subjects: [bus.subjects.bridgeOut],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs: limits.maxMessages,
    max_age: nanos(limits.maxAgeMs),
    duplicate_window: nanos(limits.duplicateWindowMs),
  };
  try {
    await jsm.streams.info(name);
    await jsm.streams.update(name, config);
  } catch {
    await jsm.streams.add({ name, ...config });
  }
}

/** Publishes through JetStream; `msgId` de-duplicates retries within the stream's window. */
export async function publishDurable(bus: Bus, subject: string, payload: unknown, msgId?: string): Promise<number> {
  const ack = await bus.nc.jetstream().publish(subject, encode(payload), msgId ? { msgID: msgId } : undefined);
  return ack.seq;
}
