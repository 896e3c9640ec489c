// The receive loop every polling chat provider runs (Telegram getUpdates, Slack history, Matrix
// /sync): poll, hand the batch over, repeat; after a failed poll wait (doubling backoff, reset by
// the next success, or the service's retry-after) and go on. Two polls never start closer than
// the floor, so a server that answers at once cannot spin the loop. Each poll's outcome is
// reported (the provider's receive health). Only stop() ends it. See docs/providers.md#chat-providers.
import type { Logger } from '../../log.js';
import { sleep } from '../../time/sleep.js';
import { RequestAborted, backoffMs, errorText } from './http.js';
import { ProviderError } from './types.js';

/** The longest wait after a poll the service refused for good (a revoked token). */
const REFUSED_MAX_MS = 60_000;
/** The least time between two poll starts, unless a provider asks for another. */
export const RECEIVE_FLOOR_MS = 1_000;

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
  /** The least time between two poll starts; default RECEIVE_FLOOR_MS. */
  floorMs?: number;
  /** Each poll's outcome: undefined when it answered, else why not. */
  onPolled?(error: string | undefined): void;
  now?: () => number;
}

export async function runReceiveLoop<Batch>(loop: ReceiveLoop<Batch>): Promise<void> {
  const { signal, logger } = loop;
  const now = loop.now ?? Date.now;
  const floorMs = loop.floorMs ?? RECEIVE_FLOOR_MS;
  let failures = 0;
  let lastStart = -Infinity;
  while (!signal.aborted) {
    const early = lastStart + floorMs - now();
    if (early > 0) await sleep(early, { signal });
    if (signal.aborted) break;
    lastStart = now();
    let batch: Batch;
    try {
      batch = await loop.poll(signal);
      failures = 0;
      loop.onPolled?.(undefined);
    } catch (error) {
      if (error instanceof RequestAborted || signal.aborted) break;
      failures++;
      loop.onPolled?.(errorText(error));
      // An outage ends unannounced: transient failures are retried often (retry.maxMs, about a
      // second), so the first command after it waits no longer; a refusal (bad token) backs off far.
      const permanent = error instanceof ProviderError && !error.transient;
      const retry = permanent ? { ...loop.retry, maxMs: Math.max(loop.retry.maxMs, REFUSED_MAX_MS) } : loop.retry;
      const wait = Math.max(backoffMs(failures, retry, error), loop.minFailureWaitMs ?? 0);
      const level = permanent ? 'error' : 'warn';
      logger[level]({ err: errorText(error), failures, retryInMs: wait }, `${loop.provider}: ${loop.what} failed`);
      await sleep(wait, { signal });
      continue;
    }
    if (!(await loop.handOver(batch))) return;
    const pause = loop.pauseAfter?.(batch);
    if (pause !== undefined) await sleep(pause, { signal });
  }
}
