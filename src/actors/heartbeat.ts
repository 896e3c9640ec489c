// The heartbeat an actor publishes every `heartbeat.interval`: who it is, which build it runs,
// what state its machine is in and how late its event loop has been since the last beat.
// Event-loop lag comes from Node's own histogram, so measuring it costs no timer of ours.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HeartbeatRecord } from '../../machines/liveness.js';

/** What goes on the wire: the record the watchdog keeps, stamped by the sender instead of the receiver. */
export type HeartbeatPayload = Omit<HeartbeatRecord, 'receivedAt'> & { sentAt: number };

export interface HeartbeatSource {
  actor: string;
  buildId: string;
  state: () => string;
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
      seq: ++this.seq,
      uptimeMs: Date.now() - this.startedAt,
      loopLagMs,
      rssBytes: process.memoryUsage.rss(),
      sentAt: Date.now(),
    };
  }
}

/** Validates a heartbeat payload at the boundary; undefined when it is unusable. */
export function toHeartbeatRecord(payload: Record<string, unknown>, receivedAt: number): HeartbeatRecord | undefined {
  const { actor, pid, bootId } = payload;
  if (typeof actor !== 'string' || typeof pid !== 'number' || typeof bootId !== 'string') return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    actor,
    pid,
    bootId,
    host: str(payload.host),
    buildId: str(payload.buildId),
    state: str(payload.state),
    seq: num(payload.seq),
    uptimeMs: num(payload.uptimeMs),
    loopLagMs: num(payload.loopLagMs),
    rssBytes: num(payload.rssBytes),
    receivedAt,
  };
}
