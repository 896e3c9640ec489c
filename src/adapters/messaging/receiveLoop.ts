// The receive loop every polling chat provider runs (Telegram getUpdates, Slack history, Matrix
// /sync): poll, hand the batch over, repeat; after a failed poll wait (doubling backoff, or the
// service's retry-after) and go on. Only stop() ends it. See docs/providers.md#chat-providers.
import type { Logger } from '../../log.js';
import { sleep } from '../../time/sleep.js';
import { RequestAborted, backoffMs, errorText } from './http.js';
import { ProviderError } from './types.js';

export interface ReceiveLoop<Batch> {
  /** Names the failure in logs: "<provider>: <what> failed". */
  provider: string;
  what: string;
  logger: Logger;
  retry: { minMs: number; maxMs: number };
  /** The provider's stop signal. */
  signal: AbortSignal;
  /** One poll; throws when it failed. */
  poll(signal: AbortSignal): Promise<Batch>;
  /** Hands the batch to the bridge; false when the provider is stopping mid-way. */
  handOver(batch: Batch): Promise<boolean>;
  /** The least wait after a failed poll (Slack never polls faster than its interval). */
  minFailureWaitMs?: number;
  /** The pause after a batch, if any, before the next poll. */
  pauseAfter?(batch: Batch): number | undefined;
}

export async function runReceiveLoop<Batch>(loop: ReceiveLoop<Batch>): Promise<void> {
  const { signal, logger } = loop;
  let failures = 0;
  while (!signal.aborted) {
    let batch: Batch;
    try {
      batch = await loop.poll(signal);
      failures = 0;
    } catch (error) {
      if (error instanceof RequestAborted || signal.aborted) break;
      failures++;
      const wait = Math.max(backoffMs(failures, loop.retry, error), loop.minFailureWaitMs ?? 0);
      const level = error instanceof ProviderError && !error.transient ? 'error' : 'warn';
      logger[level]({ err: errorText(error), failures, retryInMs: wait }, `${loop.provider}: ${loop.what} failed`);
      await sleep(wait, { signal });
      continue;
    }
    if (!(await loop.handOver(batch))) return;
    const pause = loop.pauseAfter?.(batch);
    if (pause !== undefined) await sleep(pause, { signal });
  }
}
