// Starting one chat provider: again and again with backoff until it receives or the bridge stops,
// each try bounded, each outcome reported to the bridge machine (docs/chat.md#provider-health).
import type { BridgeEvent } from '../../machines/bridge.js';
import type { InboundMessage, MessagingProvider } from '../adapters/messaging/index.js';
import type { Logger } from '../log.js';
import type { commandMenu } from './help.js';

const PROVIDER_START_TIMEOUT_MS = 30_000;

export interface ProviderStartOptions {
  signal: AbortSignal;
  send: (event: BridgeEvent) => void;
  receive: (message: InboundMessage) => Promise<void>;
  menu: ReturnType<typeof commandMenu>;
  logger: Logger;
  /** Waits before try `attempt + 1` (cut short when the bridge stops). */
  pause: (attempt: number) => Promise<unknown>;
  /** The provider receives. */
  started: (name: string) => void;
}

export async function startProvider(provider: MessagingProvider, options: ProviderStartOptions): Promise<void> {
  const { signal, send, logger } = options;
  for (let attempt = 1; !signal.aborted; attempt++) {
    send({ type: 'PROVIDER.STARTING', name: provider.name, at: Date.now() });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        provider.start((message) => options.receive(message)),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`did not start within ${PROVIDER_START_TIMEOUT_MS / 1000}s`)),
            PROVIDER_START_TIMEOUT_MS,
          );
        }),
      ]);
      if (signal.aborted) return;
      options.started(provider.name);
      send({ type: 'PROVIDER.UP', name: provider.name, at: Date.now() });
      // Best effort, in the background: the provider logs a refusal.
      void provider.registerCommands?.(options.menu).catch(() => undefined);
      logger.info({ provider: provider.name }, 'chat provider receiving');
      return;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      send({ type: 'PROVIDER.FAILED', name: provider.name, error: `starting: ${message}`, at: Date.now() });
      logger.warn({ provider: provider.name, err: error, attempt }, 'chat provider did not start; will try again');
      await provider.stop().catch(() => undefined);
      await options.pause(attempt);
    } finally {
      clearTimeout(timer);
    }
  }
}
