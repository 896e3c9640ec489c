// The one polling wait of the tests: check until it yields something truthy, or fail naming what
// was awaited. Every test used to carry its own copy of this loop.
import { sleep } from '../../src/time/sleep.js';

export interface UntilOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between checks (default 20 ms). */
  intervalMs?: number;
  /** Appended to the timeout error: logs or output that explain why it never came. */
  detail?: () => string | Promise<string>;
}

/** Resolves with the first truthy value `check` returns (sync or async); rejects after the timeout. */
export async function until<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  options: UntilOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 20, detail } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) {
      const why = detail
        ? await Promise.resolve(detail()).catch((error: unknown) => `(no detail: ${error})`)
        : undefined;
      throw new Error(`timed out waiting for ${what}${why !== undefined ? `\n${why}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
