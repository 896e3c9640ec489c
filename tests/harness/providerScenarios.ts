// Scenarios every messaging provider's integration test plays against its own fake: a restart
// on the saved cursor, and a wrong token refused at start without the token showing anywhere.
import { inspect } from 'node:util';
import { expect } from 'vitest';
import { ProviderError, type MessagingProvider } from '../../src/adapters/messaging/types.js';
import type { ProviderOptions } from './providerRig.js';
import { collector } from './providerRig.js';
import { MemoryCursor } from './memoryCursor.js';
import { until } from './until.js';

/**
 * m1 and m2 read, the provider stopped, m3 posted while it is down, a new provider on the same
 * cursor, m4: the second one must see exactly m3 and m4. `post` returns what the fake made.
 */
export async function restartOnSavedCursor<M, S>(
  provider: (options: ProviderOptions<S>) => MessagingProvider,
  post: (text: string) => M,
  settleMs: number,
) {
  const cursor = new MemoryCursor();
  const first = collector();
  const a = provider({ cursor });
  await a.start(first.onMessage);
  post('m1');
  const m2 = post('m2');
  await until(() => first.received.length === 2, 'm1 and m2');
  await a.stop();
  const cursorAtStop = cursor.value;

  post('m3 (while down)');
  const second = collector();
  await provider({ cursor }).start(second.onMessage);
  post('m4');
  await until(() => second.received.length === 2, 'm3 and m4');
  await new Promise((r) => setTimeout(r, settleMs));
  expect(second.received.map((m) => m.text)).toEqual(['m3 (while down)', 'm4']);
  return { m2, cursorAtStop, first };
}

/** A provider given the `wrong` token fails start() permanently with `message`, nowhere showing it. */
export async function expectWrongTokenRefused(
  provider: MessagingProvider,
  wrong: string,
  message: string,
  logLines: string[],
): Promise<void> {
  const error = (await provider.start(async () => {}).catch((e: unknown) => e)) as ProviderError;
  expect(error).toBeInstanceOf(ProviderError);
  expect(error.transient).toBe(false);
  expect(error.message).toBe(message);
  expect(inspect(error)).not.toContain(wrong);
  expect(logLines.join('')).not.toContain(wrong);
}

/**
 * Starts a provider on `cursor` whose handler stops it from inside when handed `stopAt`
 * (as the bridge stopping mid-batch); resolves once it has stopped, with the texts handed over.
 */
export async function stopFromHandler<S>(
  provider: (options: ProviderOptions<S>) => MessagingProvider,
  cursor: MemoryCursor,
  stopAt: string,
): Promise<string[]> {
  const p = provider({ cursor });
  const seen: string[] = [];
  let stopping: Promise<void> | undefined;
  await p.start(async (m) => {
    seen.push(m.text);
    if (m.text === stopAt) stopping = p.stop();
  });
  await until(() => stopping !== undefined, 'the stop');
  await stopping;
  return seen;
}
