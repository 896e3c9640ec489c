// The base of the polling chat providers (Telegram, Slack, Matrix): start() connects (checks the
// token; a refusal fails start(), an unreachable service is only logged), resumes from the
// cursor, then runs the receive loop until stop(), which aborts the poll in flight and waits for
// the loop to end. Subclasses keep only what differs: their calls, batches and messages.
// See docs/providers.md#chat-providers.
import type { Logger } from '../../log.js';
import {
  DEFAULT_RETRY,
  RequestAborted,
  deliver,
  errorText,
  providerLogger,
  saveCursor,
  type ProviderDeps,
} from './http.js';
import { runReceiveLoop, type ReceiveLoop } from './receiveLoop.js';
import {
  ProviderError,
  type InboundMessage,
  type MessagingProvider,
  type OutboundMessage,
  type ReceiveHealth,
} from './types.js';

type OnMessage = (message: InboundMessage) => Promise<void>;
type LoopShape<Batch> = Pick<ReceiveLoop<Batch>, 'what' | 'minFailureWaitMs' | 'pauseAfter'>;

export abstract class PollingProvider<Batch> implements MessagingProvider {
  abstract readonly defaultChatId: string | undefined;
  protected readonly logger: Logger;
  protected readonly retry: { minMs: number; maxMs: number };
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private health: ReceiveHealth | undefined;

  constructor(
    readonly name: string,
    readonly maxLength: number,
    protected readonly deps: ProviderDeps,
    /** Logged when connect() cannot reach the service at start. */
    protected readonly unreachable: string,
  ) {
    this.logger = providerLogger(deps.logger, name);
    this.retry = deps.retry ?? DEFAULT_RETRY;
  }

  async start(onMessage: OnMessage): Promise<void> {
    if (this.loop) throw new Error(`${this.name} provider already started`);
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    this.health = { what: this.loopShape().what, lastOkAt: Date.now() };
    await this.startupStep(() => this.connect(signal), this.unreachable);
    if (signal.aborted) return;
    await this.resume(signal);
    if (signal.aborted) return; // stop() came while starting
    this.loop = runReceiveLoop({
      ...this.loopShape(),
      provider: this.name,
      logger: this.logger,
      retry: this.retry,
      signal,
      poll: (s) => this.poll(s),
      ...(this.deps.receiveFloorMs !== undefined ? { floorMs: this.deps.receiveFloorMs } : {}),
      onPolled: (error) => {
        if (!this.health) return;
        if (error === undefined) this.health = { what: this.health.what, lastOkAt: Date.now() };
        else this.health = { ...this.health, lastError: error };
      },
      handOver: (batch) => this.handOver(batch, onMessage, signal),
    });
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  abstract send(message: OutboundMessage): Promise<void>;

  receiving(): ReceiveHealth {
    return this.health ?? { what: this.loopShape().what, lastOkAt: Date.now() };
  }

  /** Checks the token (and joins, where the service has it): the first call start() makes. */
  protected abstract connect(signal: AbortSignal): Promise<void>;
  /** Loads the cursor; a first start without one may set it (skipping history). */
  protected abstract resume(signal: AbortSignal): Promise<void>;
  protected abstract loopShape(): LoopShape<Batch>;
  protected abstract poll(signal: AbortSignal): Promise<Batch>;
  /** Hands a batch to the bridge; false when stopping mid-way. */
  protected abstract handOver(batch: Batch, onMessage: OnMessage, signal: AbortSignal): Promise<boolean>;

  /**
   * One start-up step. True when it answered; a permanent refusal throws (start() fails); a stop
   * or an unreachable service gives false, the latter logged as `unreachable` (the loop retries).
   */
  protected async startupStep(step: () => Promise<void>, unreachable: string): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (error) {
      if (error instanceof RequestAborted) return false;
      if (error instanceof ProviderError && !error.transient) throw error;
      if (this.health) this.health = { ...this.health, lastError: errorText(error) };
      this.logger.warn({ err: errorText(error) }, unreachable);
      return false;
    }
  }
}

/**
 * A provider whose batch is a list of items handed over one at a time, the cursor saved after
 * each, so a stop between two items neither loses nor repeats one (Telegram, Slack).
 */
export abstract class ItemPollingProvider<Item> extends PollingProvider<Item[]> {
  /** The cursor value once `item` is handled; undefined: not an item to count. */
  protected abstract position(item: Item): string | undefined;
  /** The message for the bridge, or undefined when the item is not one (a bot, a join…). */
  protected abstract toInbound(item: Item, position: string): InboundMessage | undefined;
  /** The position reached, just before it is saved. */
  protected abstract moved(position: string): void;

  protected async handOver(items: Item[], onMessage: OnMessage, signal: AbortSignal): Promise<boolean> {
    for (const item of items) {
      const position = this.position(item);
      if (position === undefined) continue;
      const message = this.toInbound(item, position);
      if (message && !(await deliver(onMessage, message, this.logger, signal))) return false;
      this.moved(position);
      await saveCursor(this.deps.cursor, position, this.logger);
      if (signal.aborted) return false;
    }
    return true;
  }
}
