// One provider's way out: a FIFO queue in front of `send`, so pieces leave in order, never
// faster than the provider's minInterval, and a refused send is retried the way the refusal
// asks — rate limited (ProviderError.retryAfterMs): wait exactly that long and try the same
// piece again; transient: back off exponentially and keep trying; permanent: Markdown falls back
// to plain text first, then a few attempts with backoff, then the message is dropped for this
// provider (logged as an error and counted), so one poison message cannot block the provider
// forever. A failing provider is reported once (degraded), and again when a send succeeds.
// A reply threads its first piece to the operator's message and puts its buttons under the last
// (docs/chat.md#replies-and-buttons); refused for good, it is tried once more without them.
import { doublingBackoff } from '../../machines/backoff.js';
import { ProviderError, type MessageAction, type MessagingProvider } from '../adapters/messaging/types.js';
import { RoshiError } from '../errors.js';
import type { Logger } from '../log.js';
import { sleep } from '../time/sleep.js';

export interface DeliveryJob {
  /** The outbox sequence of the message, for logs; undefined for a direct send. */
  seq?: number;
  pieces: string[];
  /** The first piece to send (a message half delivered before a crash resumes there). */
  startPiece?: number;
  chatId?: string;
  format?: 'plain' | 'markdown';
  /** The operator's message this answers: the first piece replies to it. */
  replyTo?: string;
  /** Buttons: under the last piece. */
  actions?: MessageAction[];
  /** Awaited after each accepted piece with the number of pieces accepted so far. */
  onPieceSent?: (sent: number) => Promise<void>;
}

export type DeliveryResult = 'sent' | 'dropped';

export type HealthReport = { up: true } | { up: false; error: string };

export interface ChannelOptions {
  minIntervalMs: number;
  logger: Logger;
  onHealth?: (report: HealthReport) => void;
  /** Backoff for failed sends that name no wait: initial doubling up to max. */
  backoff?: { initialMs: number; maxMs: number };
  /** Attempts at a permanently refused piece before the message is dropped. */
  maxPermanentAttempts?: number;
  now?: () => number;
}

/** A send refused because the bridge is stopping: not a delivery failure. */
export class ChannelStoppedError extends RoshiError {
  override readonly code = 'stopping';
  constructor(provider: string) {
    super(`${provider}: the bridge is stopping`);
  }
}

export interface ChannelStats {
  queued: number;
  /** Messages delivered completely. */
  sent: number;
  /** Pieces accepted by the provider. */
  pieces: number;
  dropped: number;
  rateLimited: number;
  failures: number;
  failing: boolean;
  lastSentAt: number | null;
  lastError: string | null;
}

interface Queued {
  job: DeliveryJob;
  resolve: (result: DeliveryResult) => void;
  reject: (error: unknown) => void;
}

export class ProviderChannel {
  private readonly queue: Queued[] = [];
  private readonly controller = new AbortController();
  private pumping: Promise<void> | undefined;
  private lastSendAt = -Infinity;
  private failing = false;
  private readonly now: () => number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly maxPermanentAttempts: number;
  private counters = { sent: 0, pieces: 0, dropped: 0, rateLimited: 0, failures: 0 };
  private lastSentAt: number | null = null;
  private lastError: string | null = null;

  constructor(
    readonly provider: MessagingProvider,
    private readonly options: ChannelOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.backoff = options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
    this.maxPermanentAttempts = options.maxPermanentAttempts ?? 5;
  }

  get name(): string {
    return this.provider.name;
  }

  get stats(): ChannelStats {
    return {
      queued: this.queue.length,
      ...this.counters,
      failing: this.failing,
      lastSentAt: this.lastSentAt,
      lastError: this.lastError,
    };
  }

  /** Queues a message; resolves once every piece was accepted (or it was dropped as poison). */
  enqueue(job: DeliveryJob): Promise<DeliveryResult> {
    if (this.controller.signal.aborted) return Promise.reject(new ChannelStoppedError(this.name));
    return new Promise<DeliveryResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pumping ??= this.pump().finally(() => (this.pumping = undefined));
    });
  }

  /** Stops sending: queued messages are given up (they stay in the outbox); waits for a send in progress up to `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    this.controller.abort();
    for (const queued of this.queue.splice(0)) queued.reject(new ChannelStoppedError(this.name));
    if (this.pumping) await Promise.race([this.pumping, sleep(graceMs, { unref: true })]);
  }

  private async pump(): Promise<void> {
    for (let next = this.queue[0]; next; next = this.queue[0]) {
      try {
        const result = await this.deliver(next.job);
        this.queue.shift();
        next.resolve(result);
      } catch (error) {
        this.queue.shift();
        next.reject(error);
      }
    }
  }

  private async deliver(job: DeliveryJob): Promise<DeliveryResult> {
    let format = job.format;
    let extras = job.replyTo !== undefined || job.actions !== undefined;
    for (let index = job.startPiece ?? 0; index < job.pieces.length; index++) {
      const text = job.pieces[index]!;
      let transientFailures = 0;
      let permanentFailures = 0;
      for (;;) {
        this.throwIfStopped();
        await this.pace();
        try {
          await this.provider.send({
            text,
            ...(job.chatId !== undefined ? { chatId: job.chatId } : {}),
            ...(format ? { format } : {}),
            ...(extras && job.replyTo !== undefined && (index === 0 || this.provider.repliesInThread)
              ? { replyTo: job.replyTo }
              : {}),
            ...(extras && index === job.pieces.length - 1 && job.actions ? { actions: job.actions } : {}),
          });
          this.lastSendAt = this.now();
          this.lastSentAt = this.lastSendAt;
          this.counters.pieces++;
          if (this.failing) {
            this.failing = false;
            this.options.logger.info({ provider: this.name }, 'provider accepts messages again');
            this.options.onHealth?.({ up: true });
          }
          break;
        } catch (error) {
          this.lastSendAt = this.now();
          this.throwIfStopped();
          const refusal = error instanceof ProviderError ? error : undefined;
          const message = (error as Error).message ?? String(error);
          if (refusal?.retryAfterMs !== undefined) {
            this.counters.rateLimited++;
            this.options.logger.info(
              { provider: this.name, seq: job.seq, retryAfterMs: refusal.retryAfterMs },
              'rate limited; waiting as asked',
            );
            await this.wait(refusal.retryAfterMs);
            continue;
          }
          this.counters.failures++;
          this.lastError = message;
          this.reportFailing(message);
          if (refusal && !refusal.transient) {
            if (format === 'markdown') {
              this.options.logger.warn(
                { provider: this.name, seq: job.seq, err: error },
                'markdown refused; sending as plain text',
              );
              format = 'plain';
              continue;
            }
            if (extras) {
              // The words matter more than the thread and the buttons.
              this.options.logger.warn(
                { provider: this.name, seq: job.seq, err: error },
                'reply or buttons refused; sending without them',
              );
              extras = false;
              continue;
            }
            permanentFailures++;
            if (permanentFailures >= this.maxPermanentAttempts) {
              this.counters.dropped++;
              this.options.logger.error(
                { provider: this.name, seq: job.seq, err: error, attempts: permanentFailures },
                'message refused for good; dropped for this provider',
              );
              return 'dropped';
            }
            this.options.logger.warn(
              { provider: this.name, seq: job.seq, err: error, attempt: permanentFailures },
              'send refused; retrying',
            );
            await this.wait(this.delay(permanentFailures));
            continue;
          }
          transientFailures++;
          this.options.logger.warn(
            { provider: this.name, seq: job.seq, err: error, attempt: transientFailures },
            'send failed; retrying',
          );
          await this.wait(this.delay(transientFailures));
        }
      }
      await job.onPieceSent?.(index + 1);
    }
    this.counters.sent++;
    return 'sent';
  }

  private reportFailing(error: string): void {
    if (this.failing) return;
    this.failing = true;
    this.options.onHealth?.({ up: false, error });
  }

  private delay(failures: number): number {
    return doublingBackoff(failures, this.backoff);
  }

  private async pace(): Promise<void> {
    const wait = this.lastSendAt + this.options.minIntervalMs - this.now();
    if (wait > 0) await this.wait(wait);
  }

  /** Waits `ms`; rejects with ChannelStoppedError as soon as the channel stops. */
  private async wait(ms: number): Promise<void> {
    await sleep(ms, { signal: this.controller.signal });
    this.throwIfStopped();
  }

  private throwIfStopped(): void {
    if (this.controller.signal.aborted) throw new ChannelStoppedError(this.name);
  }
}
