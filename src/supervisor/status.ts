// The status view served on <prefix>.sup.status and printed by `roshi status`, with the open
// breakers the caller asked the runners for (openBreakers.ts).
import type { ChildStatus } from '../../machines/childStatus.js';
import type { JetStreamSync } from '../bus/jetstreamSync.js';
import { openBreakerText, type OpenBreaker } from './openBreakers.js';

export interface ChildRow extends ChildStatus {
  /** Uptime of the current process (from its spawn), and from its latest heartbeat its machine state, memory and build. */
  uptimeMs: number | null;
  actorState: string | null;
  rssBytes: number | null;
  buildId: string | null;
}

export interface TreeStatus {
  /** host: the supervisor's host.id ('' or absent: a single host; docs/scale-out.md#hosts-and-names). */
  supervisor: { pid: number; state: string; uptimeMs: number; buildId: string; stateDir: string; host?: string };
  /** jetstreamSync: whether acknowledged JetStream writes are on disk (absent from older supervisors). */
  nats: { url: string; embedded: boolean; connected: boolean; jetstreamSync?: JetStreamSync };
  children: ChildRow[];
}

const pad = (text: string, width: number) => text.padEnd(width);

/** What the caller gathered besides the tree: the runners' open breakers (openBreakers.ts). */
export interface StatusExtras {
  openBreakers?: readonly OpenBreaker[];
  now?: number;
}

/** A fixed-width table for terminals. */
export function formatStatus(status: TreeStatus, extras: StatusExtras = {}): string {
  const now = extras.now ?? Date.now();
  // Host-qualified names (`h2-runner-1`, docs/scale-out.md#hosts-and-names) may be longer.
  const nameWidth = Math.max(12, ...status.children.map((c) => c.name.length + 1));
  const lines = [
    `supervisor pid ${status.supervisor.pid}  ${status.supervisor.state}  up ${duration(status.supervisor.uptimeMs)}  build ${status.supervisor.buildId}`,
    `nats       ${status.nats.url}${status.nats.embedded ? ' (embedded)' : ''}${status.nats.connected ? '' : '  DISCONNECTED'}`,
    ...(status.nats.jetstreamSync ? [`jetstream  ${jetstreamText(status.nats.jetstreamSync)}`] : []),
    ...(extras.openBreakers ?? []).map((b) => `breaker    ${openBreakerText(b, now)}`),
    '',
    [
      pad('NAME', nameWidth),
      pad('STATE', 16),
      pad('PID', 8),
      pad('UPTIME', 9),
      pad('RESTARTS', 9),
      pad('TIER', 5),
      pad('CIRCUIT', 9),
      'LAST VERDICT',
    ].join(' '),
  ];
  for (const c of status.children) {
    const verdict = c.lastVerdict ? `${c.lastVerdict.verdict}: ${c.lastVerdict.evidence}` : '-';
    lines.push(
      [
        pad(c.name, nameWidth),
        // An actor that runs but reports itself degraded (a bridge whose provider is deaf) says so here.
        pad(c.actorState === 'degraded' ? `${c.state} (degraded)` : c.state, 16),
        pad(c.pid ? String(c.pid) : '-', 8),
        pad(c.uptimeMs === null ? '-' : duration(c.uptimeMs), 9),
        pad(String(c.restarts), 9),
        pad(c.tier ? String(c.tier) : '-', 5),
        pad(c.circuit, 9),
        verdict,
      ].join(' '),
    );
  }
  return lines.join('\n');
}

/** Synced: a few words. Anything else: why not, and what the operator can do. */
export function jetstreamText(sync: JetStreamSync): string {
  const version = sync.serverVersion ? `nats-server ${sync.serverVersion}, ` : '';
  if (sync.mode === 'always') return `${version}every write synced before its ack`;
  const label = sync.mode === 'interval' ? 'WRITES NOT SYNCED' : 'WRITE SYNC UNCONFIRMED';
  return `${label}: ${sync.detail}`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}
