// The bridge's outbox consumers (docs/chat.md#delivery). On a single host, one: `<prefix>-bridge`
// delivers to every provider. With host.id set, one per provider, `<prefix>-bridge-<provider>`,
// started when this bridge serves that provider (holds its lease): created the first time from
// that provider's own sent mark, so each provider gets every notice once, whichever host serves it.
import type { ProviderChannel } from './channel.js';
import { Outbox, type OutboxOptions } from './outbox.js';

type SharedOptions = Omit<OutboxOptions, 'channels' | 'durable' | 'perProvider'>;

export interface StartRetry {
  signal: AbortSignal;
  /** A start failed: report it, then wait before the next try. */
  failed: (error: unknown, attempt: number) => Promise<void>;
}

export class Outboxes {
  private readonly combined: Outbox | undefined;
  private readonly byProvider = new Map<string, Outbox>();

  constructor(options: SharedOptions, channels: readonly ProviderChannel[], perProvider: boolean) {
    if (!perProvider) {
      this.combined = new Outbox({ ...options, channels });
      return;
    }
    for (const channel of channels) {
      const durable = `${options.bus.prefix}-bridge-${channel.name}`;
      this.byProvider.set(channel.name, new Outbox({ ...options, channels: [channel], durable, perProvider: true }));
    }
  }

  /** Starts the combined consumer (no `provider`) or that provider's, trying again until it works or `signal` aborts. */
  async start(provider: string | undefined, retry: StartRetry): Promise<void> {
    const outbox = provider === undefined ? this.combined : this.byProvider.get(provider);
    for (let attempt = 1; outbox && !retry.signal.aborted; attempt++) {
      try {
        await outbox.start();
        return;
      } catch (error) {
        await retry.failed(error, attempt);
      }
    }
  }

  /** Stops pulling everywhere; what is not acknowledged stays in the stream. */
  async stop(): Promise<void> {
    await Promise.all(this.all().map((outbox) => outbox.stop()));
  }

  /** One consumer's stats as they were; several: their counters summed, `durable` and `sent` of each. */
  stats(): Record<string, unknown> {
    if (this.combined) return this.combined.stats();
    const total: Record<string, unknown> = {};
    const durables: string[] = [];
    const sent: Record<string, unknown> = {};
    for (const outbox of this.all()) {
      const { durable, sent: marks, ...counters } = outbox.stats();
      durables.push(durable);
      Object.assign(sent, marks);
      for (const [key, value] of Object.entries(counters)) total[key] = ((total[key] as number) ?? 0) + value;
    }
    return { durable: durables, ...total, sent };
  }

  private all(): Outbox[] {
    return this.combined ? [this.combined] : [...this.byProvider.values()];
  }
}
