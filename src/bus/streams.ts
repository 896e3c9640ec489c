// JetStream assets roshi creates idempotently at start, and the durable publish used for
// anything that must arrive (operator alerts, notifications). A plain publish while the
// connection is down is silently lost; a JetStream publish is acknowledged or fails loudly.
// The mission event log keeps the (plain) publishes on <prefix>.missions.events for the
// pr-poller's durable consumer: docs/github.md#the-ci-queue.
import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type StreamConfig } from 'nats';
import type { Bus } from './bus.js';
import { encode } from './codec.js';
import { despiteCreationRace } from './creationRace.js';
import { unlessNotFound } from './notFound.js';
import { placementError, streamReplicas } from './replication.js';

export interface OutboxLimits {
  maxMessages: number;
  maxAgeMs: number;
  /** Window in which a repeated message id is dropped as a duplicate. */
  duplicateWindowMs: number;
}

const DEFAULT_OUTBOX: OutboxLimits = { maxMessages: 10_000, maxAgeMs: 7 * 24 * 3600_000, duplicateWindowMs: 120_000 };

/** The mission event log: a week of events, far more than a poller stays down. */
const MISSION_EVENT_LOG: OutboxLimits = {
  maxMessages: 10_000,
  maxAgeMs: 7 * 24 * 3600_000,
  duplicateWindowMs: 120_000,
};

export async function ensureOutbox(bus: Bus, limits: OutboxLimits = DEFAULT_OUTBOX): Promise<void> {
  await ensureStream(bus, bus.subjects.outboxStream, bus.subjects.bridgeOut, limits);
}

/**
 * The stream that keeps every event on <prefix>.missions.events (the mission store publishes
 * them plainly; the server stores them all the same). True when it was created just now.
 */
export function ensureMissionEventLog(bus: Bus, limits: OutboxLimits = MISSION_EVENT_LOG): Promise<boolean> {
  return ensureStream(bus, bus.subjects.missionEventsStream, bus.subjects.missionEvents, limits);
}

/**
 * Creates the stream, or brings an existing one to this config; true when it was created. A
 * creation that races another host's (or our own timed-out one) adopts the stream that won.
 */
export function ensureStream(bus: Bus, name: string, subject: string, limits: OutboxLimits): Promise<boolean> {
  const config: Partial<StreamConfig> = {
    subjects: [subject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_msgs: limits.maxMessages,
    max_age: nanos(limits.maxAgeMs),
    duplicate_window: nanos(limits.duplicateWindowMs),
  };
  return despiteCreationRace(() => createOrUpdate(bus, name, config));
}

async function createOrUpdate(bus: Bus, name: string, config: Partial<StreamConfig>): Promise<boolean> {
  const jsm = await bus.jetstreamManager();
  // Only "not found" means create: an info that timed out (a loaded cluster) is thrown and tried
  // again, never taken for a missing stream whose creation would then clash with the real one.
  const existing = await unlessNotFound(() => jsm.streams.info(name));
  try {
    if (existing) {
      await jsm.streams.update(name, { ...config, ...streamReplicas(bus, existing) });
      return false;
    }
    await jsm.streams.add({ name, ...config, ...streamReplicas(bus) });
    return true;
  } catch (error) {
    throw placementError(error, bus, name, existing?.config.num_replicas);
  }
}

/** Publishes through JetStream; `msgId` de-duplicates retries within the stream's window. */
export async function publishDurable(bus: Bus, subject: string, payload: unknown, msgId?: string): Promise<number> {
  const ack = await bus.jetstream().publish(subject, encode(payload), msgId ? { msgID: msgId } : undefined);
  return ack.seq;
}
