// The heartbeat an actor publishes every `heartbeat.interval`: who it is, which build it runs,
// what state its machine is in and how late its event loop has been since the last beat.
// Event-loop lag comes from Node's own histogram, so measuring it costs no timer of ours.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HeartbeatPayload } from '../contracts/index.js';
import type { LeaseRole } from '../contracts/heartbeat.js';

export interface HeartbeatSource {
  actor: string;
  buildId: string;
  state: () => string;
  /** A singleton's standby/active part; absent for every other actor (docs/scale-out.md#singleton-leases). */
  lease?: () => LeaseRole;
}

export class Heartbeat {
  readonly bootId = randomUUID();
  private readonly startedAt = Date.now();
  // 250 ms resolution: a hang is judged against watchdog.maxLoopLag (seconds), and a finer
  // sampling timer was measured to cost each idle actor ~0.2 % of a core (docs/performance.md).
  private readonly lag = monitorEventLoopDelay({ resolution: 250 });
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: HeartbeatSource) {
    this.lag.enable();
  }

  /** Publishes one beat now and then every `intervalMs`. */
  start(intervalMs: number, publish: (beat: HeartbeatPayload) => void): void {
    const beat = () => publish(this.next());
    beat();
    this.timer = setInterval(beat, intervalMs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.lag.disable();
  }

  next(): HeartbeatPayload {
    const loopLagMs = Math.round(this.lag.max / 1e6);
    this.lag.reset();
    return {
      actor: this.source.actor,
      pid: process.pid,
      host: hostname(),
      bootId: this.bootId,
      buildId: this.source.buildId,
      state: this.source.state(),
      ...(this.source.lease ? { lease: this.source.lease() } : {}),
      seq: ++this.seq,
      uptimeMs: Date.now() - this.startedAt,
      loopLagMs,
      rssBytes: process.memoryUsage.rss(),
      sentAt: Date.now(),
    };
  }
}
