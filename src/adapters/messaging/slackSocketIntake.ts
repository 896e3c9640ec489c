// The envelopes of a Slack Socket Mode connection, handled one at a time in the order they came
// (slackEnvelopes.ts says what each is). A message event is acknowledged once handed over, so one
// a crash interrupted is sent again by Slack and its ts (the id polling gives it too) keys its
// effects in the bridge; slash commands and presses are acknowledged first. An envelope sent
// again while this process lives is acknowledged and dropped. The newest ts handed over is the
// cursor: at each connection what the channel's history has after it (written while no
// connection was open) is handed over first, and polling (if the app token goes) resumes from it.
// See docs/providers.md#slack.
import type { Logger } from '../../log.js';
import { deliver, errorText, field, saveCursor, str } from './http.js';
import { readEnvelope } from './slackEnvelopes.js';
import { slackMessageToInbound, threadRootOf } from './slackInbound.js';
import type { SlackReplies } from './slackReplies.js';
import { compareTs } from './slackText.js';
import type { Cursor, InboundMessage } from './types.js';

/** What @slack/socket-mode hands its `slack_event` listeners. */
export interface SocketEvent {
  ack(payload?: Record<string, unknown>): Promise<void>;
  envelope_id: string;
  type: string;
  body: unknown;
}

export interface SocketIntakeOptions {
  channel: string;
  botUserId(): string | undefined;
  onMessage(message: InboundMessage): Promise<void>;
  /** The provider's stop signal: an envelope after it is left unacknowledged, for the next connection. */
  signal: AbortSignal;
  logger: Logger;
  cursor: Cursor;
  replies: SlackReplies;
}

const RECENT_IDS = 2_000;

export class SlackSocketIntake {
  private queue: Promise<void> = Promise.resolve();
  private readonly recent = new Set<string>();
  private lastTs: string | undefined;

  constructor(private readonly options: SocketIntakeOptions) {}

  async resume(): Promise<void> {
    this.lastTs = (await this.options.cursor.load()) || undefined;
  }

  enqueue(event: SocketEvent): void {
    this.queue = this.queue
      .then(() => this.handle(event))
      .catch((error: unknown) => this.options.logger.warn({ err: errorText(error) }, 'slack: envelope not handled'));
  }

  /** The newest ts handed over: where a catch-up starts. */
  get cursor(): string | undefined {
    return this.lastTs;
  }

  /** A first start begins at `ts` (the channel's latest message): older history is never read as commands. */
  async begin(ts: string): Promise<void> {
    this.lastTs = ts;
    await saveCursor(this.options.cursor, ts, this.options.logger);
  }

  /**
   * Hands over what `read` finds after the cursor (the channel's history) before any envelope
   * that comes after this call; ids already handed over are skipped.
   */
  catchUp(read: (after: string) => Promise<Array<{ ts: string }>>): void {
    const { signal, logger, channel } = this.options;
    this.queue = this.queue
      .then(async () => {
        const after = this.lastTs;
        if (after === undefined || signal.aborted) return;
        const missed = await read(after);
        for (const raw of missed) {
          const message = slackMessageToInbound(raw, channel, this.options.botUserId());
          if (message && !(await this.handOver(message, threadRootOf(raw)))) return;
          await this.moved(raw.ts);
        }
        if (missed.length > 0) logger.info({ read: missed.length }, 'slack: history since the last message read');
      })
      .catch((error: unknown) =>
        logger.warn(
          { err: errorText(error) },
          "slack: cannot read the history since the last message; Slack's own retries may still bring it",
        ),
      );
  }

  /** Resolves once every envelope received so far is handled. */
  drained(): Promise<void> {
    return this.queue;
  }

  private async handle(event: SocketEvent): Promise<void> {
    const { signal, logger, channel } = this.options;
    if (signal.aborted) return;
    const intake = readEnvelope(event.type, event.body, channel, this.options.botUserId(), event.envelope_id);
    const ack = () =>
      event.ack(intake.ackPayload).catch((error: unknown) => {
        logger.debug({ err: errorText(error), envelope: event.envelope_id }, 'slack: envelope not acknowledged');
      });
    if (intake.ackFirst) await ack();
    const message = intake.message;
    if (message && !(await this.handOver(message, intake.threadTs))) return;
    if (message && event.type === 'events_api') await this.moved(message.messageId);
    if (!intake.ackFirst) await ack();
  }

  /** Hands `message` over unless it was already; false when stopping mid-way. */
  private async handOver(message: InboundMessage, threadTs: string | undefined): Promise<boolean> {
    const { logger, signal } = this.options;
    if (this.recent.has(message.messageId)) {
      logger.debug({ messageId: message.messageId }, 'slack: message delivered again; already handed over');
      return true;
    }
    this.remember(message.messageId);
    this.options.replies.remember(message.messageId, threadTs);
    return deliver(this.options.onMessage, message, logger, signal);
  }

  private remember(messageId: string): void {
    this.recent.add(messageId);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value as string);
  }

  private async moved(ts: string): Promise<void> {
    if (this.lastTs !== undefined && compareTs(ts, this.lastTs) <= 0) return;
    this.lastTs = ts;
    await saveCursor(this.options.cursor, ts, this.options.logger);
  }
}
