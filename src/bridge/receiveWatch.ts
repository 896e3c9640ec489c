// Honest receive health (docs/chat.md#provider-health): a provider is up only while its receive
// loop answers. One whose polls have failed, or not answered at all, for longer than its
// bridge.<provider>.silentAfter turns degraded with the reason, and up again at the next answer.
// The bridge asks `check` every second or so and reports each change (machine, log, one alert).
import type { ReceiveHealth } from '../adapters/messaging/types.js';

export interface WatchedProvider {
  name: string;
  silentAfterMs: number;
  receiving(): ReceiveHealth;
}

export type ReceiveChange = { name: string; degraded: true; reason: string } | { name: string; degraded: false };

export class ReceiveWatch {
  private readonly degraded = new Set<string>();

  constructor(private readonly providers: readonly WatchedProvider[]) {}

  /** How often to check: often enough to notice within a quarter of the shortest silentAfter. */
  get intervalMs(): number {
    return Math.max(100, Math.min(1_000, ...this.providers.map((p) => p.silentAfterMs / 4)));
  }

  isDegraded(name: string): boolean {
    return this.degraded.has(name);
  }

  /** The providers that turned degraded or back up since the last check. */
  check(now: number): ReceiveChange[] {
    const changes: ReceiveChange[] = [];
    for (const provider of this.providers) {
      const health = provider.receiving();
      const silentMs = now - health.lastOkAt;
      if (silentMs > provider.silentAfterMs) {
        if (this.degraded.has(provider.name)) continue;
        this.degraded.add(provider.name);
        changes.push({ name: provider.name, degraded: true, reason: silenceReason(health, silentMs) });
      } else if (this.degraded.delete(provider.name)) {
        changes.push({ name: provider.name, degraded: false });
      }
    }
    return changes;
  }
}

export function silenceReason(health: ReceiveHealth, silentMs: number): string {
  const seconds = Math.round(silentMs / 1000);
  return health.lastError
    ? `receiving: ${health.what} failing for ${seconds}s: ${health.lastError}`
    : `receiving: no answer from ${health.what} for ${seconds}s`;
}

export interface ReceiveReports {
  isStarted(provider: string): boolean;
  up(provider: string): void;
  degraded(provider: string, reason: string): void;
}

/** Checks every `watch.intervalMs` and reports each change of a started provider; returns the stop. */
export function watchReceiving(watch: ReceiveWatch, reports: ReceiveReports, now: () => number = Date.now): () => void {
  const timer = setInterval(() => {
    for (const change of watch.check(now())) {
      if (!reports.isStarted(change.name)) continue;
      if (change.degraded) reports.degraded(change.name, change.reason);
      else reports.up(change.name);
    }
  }, watch.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The one chat alert of a degradation (its id is unique: each degradation is news). */
export function degradedAlert(provider: string, reason: string) {
  return {
    id: `provider-degraded-${provider}-${Date.now()}`,
    kind: 'notification',
    text: `⚠ ${provider} is degraded (${reason}): messages from it are not read until it recovers.`,
  };
}
