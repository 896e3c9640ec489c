// Open circuit breakers of the runners (dispatch and pipeline), for `roshi status` and the chat's
// /status: each runner answers the `breakers` control verb, and only breakers that are not closed
// are shown. What an open breaker means: docs/operations.md#rate-limits-and-open-breakers.
import { oneLine } from '../text/oneLine.js';

export interface OpenBreaker {
  runner: string;
  /** `dispatch`, `pipeline.usage`, `pipeline.journal`, `pipeline.notify`. */
  name: string;
  state: 'open' | 'halfOpen';
  /** Consecutive failures since the last success. */
  failures: number;
  /** When an open breaker lets one trial through (ms since the epoch). */
  openUntil?: number;
  /** The last failure's words. */
  reason?: string;
}

/** A runner's `breakers` reply, checked at the boundary: the rows that are not closed. */
export function openBreakersOf(runner: string, reply: unknown): OpenBreaker[] {
  if (!Array.isArray(reply)) return [];
  const open: OpenBreaker[] = [];
  for (const row of reply) {
    if (typeof row !== 'object' || row === null) continue;
    const { name, state, failures, openUntil, reason } = row as Record<string, unknown>;
    if (typeof name !== 'string' || (state !== 'open' && state !== 'halfOpen')) continue;
    open.push({
      runner,
      name,
      state,
      failures: typeof failures === 'number' ? failures : 0,
      ...(typeof openUntil === 'number' ? { openUntil } : {}),
      ...(typeof reason === 'string' && reason !== '' ? { reason } : {}),
    });
  }
  return open;
}

/** Asks every runner; one that does not answer is left out (its row in the tree says why). */
export async function askOpenBreakers(
  runners: readonly string[],
  ask: (runner: string) => Promise<unknown>,
): Promise<OpenBreaker[]> {
  const replies = await Promise.all(runners.map((runner) => ask(runner).catch(() => undefined)));
  return runners.flatMap((runner, i) => openBreakersOf(runner, replies[i]));
}

/** `runner-1 dispatch breaker open after 3 failures, trial in 42 s: rate limited by the API (HTTP 429)…` */
export function openBreakerText(b: OpenBreaker, now: number): string {
  const failures = `${b.failures} failure${b.failures === 1 ? '' : 's'}`;
  const left = b.openUntil === undefined ? undefined : Math.ceil((b.openUntil - now) / 1000);
  const when =
    b.state === 'halfOpen'
      ? 'half-open, one trial running'
      : `open after ${failures}${left !== undefined && left > 0 ? `, trial in ${left} s` : ''}`;
  return `${b.runner} ${b.name} breaker ${when}${b.reason ? `: ${oneLine(b.reason, 100)}` : ''}`;
}
