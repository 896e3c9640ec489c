// Durable JetStream pull consumers, for work that must survive the consuming process: the
// bridge's outbox. A message stays in the stream until it is acknowledged explicitly; a
// consumer restarts where its acknowledgements left off.
//
// One server behaviour shapes this module: messages a dead process had received but not yet
// acknowledged are redelivered only when their ack wait expires (minutes, by design, so a slow
// send is not duplicated). A process that knows it is the only consumer can instead re-create
// the durable consumer at its ack floor (`consumeDurable` always does): every unacknowledged
// message is delivered again at once, and the caller skips the ones it had already handled
// (the bridge remembers per provider how far it delivered, in KV).
import {
  AckPolicy,
  DeliverPolicy,
  ReplayPolicy,
  nanos,
  type ConsumerConfig,
  type ConsumerMessages,
  type JsMsg,
} from 'nats';
import type { Logger } from '../log.js';
import { sleep } from '../time/sleep.js';
import type { Bus, Payload } from './bus.js';
import { decodeObject } from './codec.js';
import { unlessNotFound } from './notFound.js';

export interface StreamState {
  firstSeq: number;
  lastSeq: number;
  messages: number;
  /** When the stream was created (ISO time): a stream deleted and created again restarts its sequence. */
  created: string;
}

/** The stream's current state, or undefined when it does not exist. */
export async function streamState(bus: Bus, stream: string): Promise<StreamState | undefined> {
  const jsm = await bus.jetstreamManager();
  const info = await unlessNotFound(() => jsm.streams.info(stream));
  if (!info) return undefined;
  return {
    firstSeq: info.state.first_seq,
    lastSeq: info.state.last_seq,
    messages: info.state.messages,
    created: info.created,
  };
}

export interface DurableState {
  /** Every stream sequence up to this one is acknowledged (or was never to be delivered). */
  ackFloor: number;
  /** Highest stream sequence delivered so far. */
  delivered: number;
  /** Delivered, not yet acknowledged. */
  ackPending: number;
  /** Not yet delivered. */
  pending: number;
}

/** The durable consumer's position, or undefined when it does not exist. */
export async function durableState(bus: Bus, stream: string, durable: string): Promise<DurableState | undefined> {
  const jsm = await bus.jetstreamManager();
  const info = await unlessNotFound(() => jsm.consumers.info(stream, durable));
  if (!info) return undefined;
  // A consumer created at a start sequence reports an ack floor of 0 until its first ack.
  const start = info.config.opt_start_seq ?? 0;
  return {
    ackFloor: Math.max(info.ack_floor.stream_seq, start > 0 ? start - 1 : 0),
    delivered: info.delivered.stream_seq,
    ackPending: info.num_ack_pending,
    pending: info.num_pending,
  };
}

/**
 * Where a durable consumer of `stream` (re)starts: its ack floor once it exists; on the first
 * start (no consumer yet) the stream's next message, not its backlog, unless `created` says the
 * stream is new; never before what this process already handled (`seen`).
 */
export async function durableStart(
  bus: Bus,
  stream: string,
  durable: string,
  created: boolean,
): Promise<{ startSeq: () => Promise<number>; seen: (seq: number) => void }> {
  const origin = created ? 1 : ((await streamState(bus, stream))?.lastSeq ?? 0) + 1;
  let handled = 0;
  return {
    startSeq: async () => {
      const held = await durableState(bus, stream, durable);
      return held ? held.ackFloor + 1 : Math.max(origin, handled + 1);
    },
    seen: (seq) => void (handled = Math.max(handled, seq)),
  };
}

/** One delivery of a stream message. */
export interface DurableMessage {
  /** The message's stream sequence: stable across redeliveries. */
  seq: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** The JSON object published, or undefined when it was unreadable (see `badPayload`). */
  payload: Payload | undefined;
  badPayload?: string;
  /** Acknowledges and waits for the server's confirmation; false when it could not be confirmed. */
  ack(): Promise<boolean>;
  /** Asks for redelivery, after `delayMs` when given. */
  nak(delayMs?: number): void;
  /** Resets the ack wait: the message is still being worked on. */
  working(): void;
}

export interface DurableConsumerOptions {
  stream: string;
  durable: string;
  ackWaitMs: number;
  /** Delivered but unacknowledged messages the server allows at once. */
  maxAckPending: number;
  /** Messages the client asks for per pull. Default 64. */
  batch?: number;
  /**
   * The first stream sequence to deliver when the consumer is (re)created: at start, and again
   * when the consumer disappears while running (deleted, or a server that lost its store).
   */
  startSeq: () => number | Promise<number>;
  logger: Logger;
}

export interface DurableConsumer {
  /** Stops pulling; unacknowledged messages stay for the next consumer. */
  stop(): Promise<void>;
  /** Times the consumer had to be created again while running. */
  readonly recreated: number;
}

const RECREATE_WAIT_MS = 500;
const ACK_ATTEMPTS = 3;

/**
 * Creates (or re-creates) the durable pull consumer — explicit ack, every message from
 * `startSeq`, unlimited redeliveries — and hands each message to `onMessage`, in stream order,
 * without waiting for it to be handled: the caller acknowledges when it is done.
 */
export async function consumeDurable(
  bus: Bus,
  options: DurableConsumerOptions,
  onMessage: (message: DurableMessage) => void,
): Promise<DurableConsumer> {
  const { stream, durable, logger } = options;
  const jsm = await bus.jetstreamManager();
  const js = bus.jetstream();

  const create = async () => {
    const start = Math.max(1, Math.floor(await options.startSeq()));
    await unlessNotFound(() => jsm.consumers.delete(stream, durable));
    const config: Partial<ConsumerConfig> = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      max_deliver: -1,
      ack_wait: nanos(options.ackWaitMs),
      max_ack_pending: options.maxAckPending,
      replay_policy: ReplayPolicy.Instant,
      ...(start <= 1
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }),
    };
    await jsm.consumers.add(stream, config);
    logger.info({ stream, durable, startSeq: start }, 'durable consumer ready');
  };
  await create();

  let stopped = false;
  let recreated = 0;
  let current: ConsumerMessages | undefined;
  const loop = (async () => {
    while (!stopped) {
      let lost = false;
      try {
        const consumer = await js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: options.batch ?? 64, abort_on_missing_resource: true });
        current = messages;
        if (stopped) messages.stop();
        void (async () => {
          for await (const status of await messages.status()) {
            if (
              status.type === 'consumer_deleted' ||
              status.type === 'consumer_not_found' ||
              status.type === 'stream_not_found'
            ) {
              lost = true;
              logger.warn({ stream, durable, status: status.type }, 'durable consumer lost; creating it again');
              messages.stop();
            }
          }
        })().catch(() => undefined);
        for await (const msg of messages) onMessage(wrap(msg, logger));
      } catch (error) {
        if (stopped || bus.isClosed()) break;
        lost = true;
        logger.warn({ err: error, stream, durable }, 'durable consumer failed; creating it again');
      }
      if (stopped || bus.isClosed()) break;
      if (!lost) continue; // the iterator ended by itself (a reconnect): pull again
      await sleep(RECREATE_WAIT_MS);
      try {
        if (!stopped) {
          await create();
          recreated++;
        }
      } catch (error) {
        logger.warn({ err: error, stream, durable }, 'could not create the durable consumer; will retry');
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      current?.stop();
      await Promise.race([loop, sleep(2_000, { unref: true })]);
    },
    get recreated() {
      return recreated;
    },
  };
}

function wrap(msg: JsMsg, logger: Logger): DurableMessage {
  let payload: Payload | undefined;
  let badPayload: string | undefined;
  try {
    payload = decodeObject(msg.data);
  } catch (error) {
    badPayload = (error as Error).message;
  }
  return {
    seq: msg.seq,
    deliveryCount: msg.info.redeliveryCount,
    payload,
    ...(badPayload ? { badPayload } : {}),
    ack: async () => {
      for (let attempt = 1; attempt <= ACK_ATTEMPTS; attempt++) {
        try {
          if (await msg.ackAck({ timeout: 5_000 })) return true;
        } catch (error) {
          if (attempt === ACK_ATTEMPTS) logger.warn({ err: error, seq: msg.seq }, 'ack not confirmed');
        }
      }
      return false;
    },
    nak: (delayMs) => msg.nak(delayMs),
    working: () => msg.working(),
  };
}
