// The pr-poller's mission events, durably: stream <PREFIX>_MISSION_EVENTS keeps every event on
// <prefix>.missions.events, and the durable consumer <prefix>-pr-poller hands the poller each
// one it has not acknowledged, also those published while it was down or rolling. An event is
// acknowledged once the poller noted it; a redelivered push is recognised (missionEvents.ts
// pushId), so it enters the CI queue at most once. docs/github.md#the-ci-queue
import {
  consumeDurable,
  durableStart,
  ensureMissionEventLog,
  type Bus,
  type DurableConsumer,
  type DurableMessage,
} from '../bus/index.js';
import { toMissionEvent, type MissionEvent } from '../contracts/index.js';
import type { Logger } from '../log.js';

/** A handled event is acknowledged within milliseconds; a stuck one is redelivered after this. */
const ACK_WAIT_MS = 60_000;
const MAX_ACK_PENDING = 256;
/** Pause before an event the poller could not note (KV unreachable) is tried again. */
const RETRY_MS = 5_000;
/** Deliveries of one event before it is given up (logged): it cannot block the ones after it forever. */
const MAX_DELIVERIES = 20;

export interface MissionEventSink {
  /** True when the poller should poll soon. Throws when the event could not be noted. */
  onMissionEvent(event: MissionEvent): Promise<boolean>;
}

export function missionFeedDurable(bus: Bus): string {
  return `${bus.subjects.prefix}-pr-poller`;
}

/** Starts consuming; `poke` is called when an event asks for a poll soon. */
export async function followMissionEvents(
  bus: Bus,
  poller: MissionEventSink,
  poke: () => void,
  logger: Logger,
): Promise<DurableConsumer> {
  const stream = bus.subjects.missionEventsStream;
  const durable = missionFeedDurable(bus);
  const created = await ensureMissionEventLog(bus);
  // Without a consumer yet (the first start): from the stream's next event, not a week of old ones.
  const { startSeq, seen } = await durableStart(bus, stream, durable, created);

  const handle = async (message: DurableMessage): Promise<void> => {
    const event = message.payload ? toMissionEvent(message.payload) : undefined;
    if (!event) {
      logger.warn({ seq: message.seq, problem: message.badPayload }, 'ignored an unreadable mission event');
      await message.ack();
      return;
    }
    let soon: boolean;
    try {
      soon = await poller.onMissionEvent(event);
    } catch (error) {
      if (message.deliveryCount < MAX_DELIVERIES) {
        logger.warn({ err: error, mission: event.id, seq: message.seq }, 'could not note a mission event; retrying');
        message.nak(RETRY_MS);
        return;
      }
      logger.error({ err: error, mission: event.id, seq: message.seq }, 'gave up noting a mission event');
      soon = false;
    }
    seen(message.seq);
    await message.ack();
    if (soon) poke();
  };

  return consumeDurable(
    bus,
    { stream, durable, ackWaitMs: ACK_WAIT_MS, maxAckPending: MAX_ACK_PENDING, startSeq, logger },
    // Handed over in stream order; the poller serialises its work, so they are noted in that order.
    (message) => void handle(message),
  );
}
