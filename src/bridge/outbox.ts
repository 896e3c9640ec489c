// Delivery of the durable outbox (stream <PREFIX>_OUTBOX on <prefix>.bridge.out) to every chat
// provider through the durable pull consumer `<prefix>-bridge`, or with host.id set to one
// provider through `<prefix>-bridge-<provider>` (outboxes.ts). A message is acknowledged only
// after every provider that should get it accepted each piece; providers do not wait for each
// other. Each provider's progress goes to KV (cursor.ts) before the ack, and the consumer is
// re-created at its ack floor on start, so nothing is lost and a redelivery is skipped.
// Message shapes: docs/subjects.md#roshibridgeout-stream-roshi_outbox; delivery rules:
// docs/chat.md#delivery and docs/chat.md#nothing-lost-nothing-twice.
import {
  consumeDurable,
  durableState,
  ensureOutbox,
  streamState,
  type Bus,
  type DurableConsumer,
  type DurableMessage,
  type JsonKv,
} from '../bus/index.js';
import { parseOutboxMessage, type OutboxMessage } from '../contracts/index.js';
import type { Logger } from '../log.js';
import { ChannelStoppedError, type ProviderChannel } from './channel.js';
import { noticeActions } from './noticeActions.js';
import { SentMarks } from './cursor.js';
import { passesLevel, type MessagingLevel } from './level.js';
import { pieceLength, splitMarkdown, splitMessage } from './split.js';

export interface OutboxOptions {
  bus: Bus;
  kv: JsonKv;
  channels: readonly ProviderChannel[];
  level: MessagingLevel;
  maxMessageLength: number;
  logger: Logger;
  /** Durable consumer name; default `<prefix>-bridge`. */
  durable?: string;
  /**
   * One of several outboxes, each delivering to its own provider (`channels` is that one): a
   * message addressed to another provider is that provider's outbox's, acknowledged here quietly.
   */
  perProvider?: boolean;
  ackWaitMs?: number;
  maxAckPending?: number;
  onReady?: () => void;
}

interface InFlight {
  message: DurableMessage;
  pending: Set<string>;
}

export const OUTBOX_ACK_WAIT_MS = 120_000;
export const OUTBOX_MAX_ACK_PENDING = 1_000;
const RETRY_ENQUEUE_MS = 5_000;

export class Outbox {
  private readonly inFlight = new Map<number, InFlight>();
  private consumer: DurableConsumer | undefined;
  private marks: SentMarks | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private initialFloor = 0;
  private stopped = false;
  readonly durable: string;
  private readonly ackWaitMs: number;
  readonly counters = {
    received: 0,
    delivered: 0,
    filtered: 0,
    skipped: 0,
    otherProvider: 0,
    noTarget: 0,
    bad: 0,
    dropped: 0,
    ackFailures: 0,
  };

  constructor(private readonly options: OutboxOptions) {
    this.durable = options.durable ?? `${options.bus.prefix}-bridge`;
    this.ackWaitMs = options.ackWaitMs ?? OUTBOX_ACK_WAIT_MS;
  }

  async start(): Promise<void> {
    const { bus, logger } = this.options;
    const name = bus.subjects.outboxStream;
    let stream = await streamState(bus, name);
    if (!stream) {
      // The supervisor creates it; a bridge started on its own (or first) creates it the same way.
      await ensureOutbox(bus);
      stream = await streamState(bus, name);
      if (!stream) throw new Error(`outbox stream ${name} could not be created`);
    }
    this.marks = await SentMarks.load(
      this.options.kv,
      this.options.channels.map((c) => c.name),
      stream.created,
      stream.lastSeq,
      logger,
    );
    const marks = this.marks;
    const startSeq = async () => {
      const durable = await durableState(bus, name, this.durable);
      // The consumer's ack floor is the truth; without a consumer, how far every provider got.
      const floor = durable ? durable.ackFloor : Math.max(this.initialFloor, marks.floor() ?? 0);
      this.initialFloor = Math.max(this.initialFloor, floor);
      return floor + 1;
    };
    this.consumer = await consumeDurable(
      bus,
      {
        stream: name,
        durable: this.durable,
        ackWaitMs: this.ackWaitMs,
        maxAckPending: this.options.maxAckPending ?? OUTBOX_MAX_ACK_PENDING,
        startSeq,
        logger,
      },
      (message) => this.handle(message),
    );
    this.keepAlive = setInterval(
      () => {
        for (const entry of this.inFlight.values()) entry.message.working();
      },
      Math.max(1_000, Math.floor(this.ackWaitMs / 3)),
    );
    this.keepAlive.unref();
    this.options.onReady?.();
  }

  /** Stops pulling. Messages not yet acknowledged stay in the stream for the next bridge. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    await this.consumer?.stop();
  }

  stats() {
    return {
      durable: this.durable,
      inFlight: this.inFlight.size,
      ...this.counters,
      consumerRecreated: this.consumer?.recreated ?? 0,
      markWriteFailures: this.marks?.failedWrites ?? 0,
      sent: Object.fromEntries(this.options.channels.map((c) => [c.name, this.marks?.get(c.name) ?? null])),
    };
  }

  private handle(message: DurableMessage): void {
    if (this.stopped) return;
    const { logger } = this.options;
    this.counters.received++;
    const known = this.inFlight.get(message.seq);
    if (known) {
      // Redelivered while still being worked on (an ack wait ran out): keep working, ack the latest.
      known.message = message;
      return;
    }
    if (!message.payload) {
      this.counters.bad++;
      logger.warn({ seq: message.seq, reason: message.badPayload }, 'unreadable outbox message dropped');
      void this.ack(message);
      return;
    }
    const parsed = parseOutboxMessage(message.payload);
    if ('error' in parsed) {
      this.counters.bad++;
      logger.warn({ seq: message.seq, reason: parsed.error, id: message.payload.id }, 'invalid outbox message dropped');
      void this.ack(message);
      return;
    }
    if (!passesLevel(parsed, this.options.level)) {
      this.counters.filtered++;
      logger.debug(
        { seq: message.seq, kind: parsed.kind, event: parsed.event, messagingLevel: this.options.level },
        'not sent at this messaging level',
      );
      void this.ack(message);
      return;
    }
    if (this.options.perProvider && parsed.provider !== undefined && !this.channelNamed(parsed.provider)) {
      this.counters.otherProvider++;
      void this.ack(message);
      return;
    }
    const targets = this.options.channels.filter(
      (c) =>
        (parsed.provider === undefined || parsed.provider === c.name) &&
        (parsed.chatId ?? c.provider.defaultChatId) !== undefined,
    );
    if (targets.length === 0) {
      this.counters.noTarget++;
      // One provider's outbox: a provider without a notification chat just has none to send.
      logger[this.options.perProvider ? 'debug' : 'warn'](
        { seq: message.seq, provider: parsed.provider, kind: parsed.kind },
        parsed.provider
          ? 'outbox message for a provider that is not running; dropped'
          : 'no provider has a chat for notifications; message dropped',
      );
      void this.ack(message);
      return;
    }
    const marks = this.marks!;
    const todo = targets.filter((c) => !marks.delivered(c.name, message.seq));
    if (todo.length === 0) {
      this.counters.skipped++;
      logger.info({ seq: message.seq }, 'outbox message was delivered before a restart; acknowledging it now');
      void this.ack(message);
      return;
    }
    const entry: InFlight = { message, pending: new Set(todo.map((c) => c.name)) };
    this.inFlight.set(message.seq, entry);
    for (const channel of todo) this.deliver(channel, message.seq, parsed);
  }

  private channelNamed(provider: string): ProviderChannel | undefined {
    return this.options.channels.find((c) => c.name === provider);
  }

  private deliver(channel: ProviderChannel, seq: number, message: OutboxMessage): void {
    const marks = this.marks!;
    const split = message.format === 'markdown' ? splitMarkdown : splitMessage;
    const pieces = split(message.text, pieceLength(this.options.maxMessageLength, channel.provider.maxLength));
    const actions = noticeActions(message);
    channel
      .enqueue({
        seq,
        pieces,
        startPiece: marks.resumePart(channel.name, seq, pieces.length),
        ...(message.chatId !== undefined ? { chatId: message.chatId } : {}),
        ...(message.format ? { format: message.format } : {}),
        // A reply threads to the operator's message only on the provider it came from.
        ...(message.replyTo !== undefined && message.provider === channel.name ? { replyTo: message.replyTo } : {}),
        ...(actions ? { actions } : {}),
        onPieceSent: (sent) => marks.mark(channel.name, seq, sent, pieces.length),
      })
      .then(async (result) => {
        if (result === 'dropped') {
          this.counters.dropped++;
          await marks.mark(channel.name, seq, pieces.length, pieces.length);
        }
        await this.settle(seq, channel.name);
      })
      .catch((error: unknown) => {
        if (error instanceof ChannelStoppedError || this.stopped) return;
        this.options.logger.error(
          { err: error, seq, provider: channel.name },
          'delivery failed unexpectedly; trying again',
        );
        setTimeout(() => {
          if (!this.stopped && this.inFlight.has(seq)) this.deliver(channel, seq, message);
        }, RETRY_ENQUEUE_MS).unref();
      });
  }

  private async settle(seq: number, provider: string): Promise<void> {
    const entry = this.inFlight.get(seq);
    if (!entry) return;
    entry.pending.delete(provider);
    if (entry.pending.size > 0) return;
    this.inFlight.delete(seq);
    this.counters.delivered++;
    await this.ack(entry.message);
  }

  private async ack(message: DurableMessage): Promise<void> {
    if (!(await message.ack())) {
      this.counters.ackFailures++;
      this.options.logger.warn(
        { seq: message.seq },
        'outbox ack not confirmed; a redelivery will be recognised as sent',
      );
    }
  }
}
