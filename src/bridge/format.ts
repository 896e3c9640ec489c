// Chat-sized text for the bridge's replies: terse, plain (no Markdown that a provider could
// refuse), one line per thing.
import type { Mission, MissionStatus } from '../contracts/index.js';
import { readWaitingFor, waitingForText, type MissionReply } from '../contracts/missionReply.js';
import type { PauseRecord } from '../missions/pause.js';
import { stallStateOf } from '../adapters/agent/stallState.js';
import { describeRetry, retryStateOf } from '../adapters/agent/retryState.js';
import type { AgentRetryState } from '../adapters/agent/types.js';
import { openBreakerText, type OpenBreaker } from '../supervisor/openBreakers.js';
import { duration, jetstreamText, type ChildRow, type TreeStatus } from '../supervisor/status.js';
import { oneLine } from '../text/oneLine.js';

export interface LiveReply {
  runner: string;
  mission: Mission | null;
  progress: Array<{ kind: string; text: string; at: number; retry?: AgentRetryState }>;
}

export function ago(ms: number): string {
  return duration(Math.max(0, ms));
}

/** "3:04pm" today, "Mon 3:04pm" within a week, else "3/31 3:04pm". */
export function clockTime(at: number, now: number): string {
  const d = new Date(at);
  const h = d.getHours();
  const time = `${h % 12 === 0 ? 12 : h % 12}:${String(d.getMinutes()).padStart(2, '0')}${h < 12 ? 'am' : 'pm'}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return time;
  const day = d.toLocaleDateString('en-US', { weekday: 'short' });
  if (Math.abs(at - now) < 6 * 86_400_000) return `${day} ${time}`;
  return `${d.getMonth() + 1}/${d.getDate()} ${time}`;
}

const STATUS_ICON: Record<MissionStatus, string> = {
  pending: '⏳',
  running: '▶',
  awaiting_approval: '✋',
  done: '✅',
  failed: '❌',
  cancelled: '✖',
};

/** One mission in /list; a pending one that waits for another's branch says for whom (docs/missions.md#one-mission-per-branch). */
export function missionLine(m: MissionReply, now: number, position?: number): string {
  const where =
    m.status === 'running' && m.lease ? ` — ${m.lease.runner}${m.startedAt ? `, ${ago(now - m.startedAt)}` : ''}` : '';
  const tries = m.status === 'pending' && m.attempts > 0 ? ` (attempt ${m.attempts + 1}/${m.maxAttempts})` : '';
  const waiting =
    m.status === 'pending' && m.notBefore && m.notBefore > now ? ` not before ${clockTime(m.notBefore, now)}` : '';
  const holder = m.status === 'pending' ? readWaitingFor(m) : undefined;
  const waitsFor = holder ? ` — ${waitingForText(holder)}` : '';
  const error = m.status === 'failed' && m.lastError ? ` — ${oneLine(m.lastError, 60)}` : '';
  return `${position !== undefined ? `${position}. ` : ''}${STATUS_ICON[m.status]} ${m.id} [${m.project}] ${oneLine(m.text, 80)}${where}${tries}${waiting}${waitsFor}${error}`;
}

export function countsLine(counts: Partial<Record<MissionStatus, number>>): string {
  const order: MissionStatus[] = ['pending', 'running', 'awaiting_approval', 'done', 'failed', 'cancelled'];
  const parts = order.filter((s) => (counts[s] ?? 0) > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(' · ') : 'no missions';
}

export function pauseLine(pause: PauseRecord | undefined, now: number): string {
  if (!pause || !pause.paused || (pause.until !== undefined && pause.until <= now)) return 'dispatch: running';
  const why = pause.reason && pause.by !== 'runner.startPaused' ? `: ${oneLine(pause.reason, 80)}` : '';
  return `dispatch: ⏸ paused${pause.until ? ` until ${clockTime(pause.until, now)}` : ''} (by ${pause.by}${why})`;
}

const CHILD_ICON = (c: ChildRow): string =>
  c.circuit !== 'closed' ? '🛑' : c.state === 'running' ? '✅' : c.tier > 0 ? '⚠️' : '…';

export function childLine(c: ChildRow): string {
  const up = c.state === 'running' && c.uptimeMs !== null ? ` up ${duration(c.uptimeMs)}` : '';
  const restarts = c.restarts > 0 ? ` · ${c.restarts} restart${c.restarts === 1 ? '' : 's'}` : '';
  const circuit = c.circuit !== 'closed' ? ` · circuit ${c.circuit}` : '';
  const verdict =
    c.state !== 'running' && c.lastVerdict ? ` · ${c.lastVerdict.verdict}: ${oneLine(c.lastVerdict.evidence, 50)}` : '';
  return `${CHILD_ICON(c)} ${c.name} ${c.state}${up}${restarts}${circuit}${verdict}`;
}

export function runnerLine(live: LiveReply | { runner: string; error: string }, now: number): string {
  if ('error' in live) return `${live.runner}: not answering (${oneLine(live.error, 60)})`;
  const m = live.mission;
  if (!m) return `${live.runner}: idle`;
  const age = m.startedAt ? ` for ${ago(now - m.startedAt)}` : '';
  const last = live.progress[live.progress.length - 1];
  // Waiting out an API retry says so rather than quoting the retry's raw line.
  const retry = retryStateOf(live.progress);
  // A nudged or stopped agent says so (docs/missions.md#stalls-and-budgets-per-mission).
  const stall = stallStateOf(live.progress);
  const output = retry
    ? ` — ${describeRetry(retry, now)}`
    : stall
      ? ` — ${oneLine(stall, 120)}`
      : last
        ? ` — last: ${oneLine(last.text, 60)} (${ago(now - last.at)} ago)`
        : '';
  return `${live.runner}: ▶ ${m.id} [${m.project}] ${oneLine(m.text, 60)}${age}${output}`;
}

export interface StatusParts {
  tree: TreeStatus | { error: string };
  counts: Partial<Record<MissionStatus, number>> | { error: string };
  pause: PauseRecord | undefined | { error: string };
  runners: Array<LiveReply | { runner: string; error: string }>;
  providers?: string;
  /** The runners' open breakers (supervisor/openBreakers.ts). */
  openBreakers?: readonly OpenBreaker[];
  now: number;
}

export function formatStatus(parts: StatusParts): string {
  const { now } = parts;
  const lines: string[] = [];
  if ('error' in parts.tree) {
    lines.push(`supervisor: not answering (${oneLine(parts.tree.error, 80)})`);
  } else {
    const s = parts.tree.supervisor;
    lines.push(
      `roshi · up ${duration(s.uptimeMs)} · build ${s.buildId}${parts.tree.nats.connected ? '' : ' · NATS DISCONNECTED'}`,
    );
    const sync = parts.tree.nats.jetstreamSync;
    if (sync) lines.push(`jetstream: ${jetstreamText(sync)}`);
    for (const child of parts.tree.children) lines.push(childLine(child));
  }
  for (const b of parts.openBreakers ?? []) lines.push(`🛑 ${openBreakerText(b, now)}`);
  lines.push(
    'error' in parts.counts
      ? `missions: not answering (${oneLine(parts.counts.error, 60)})`
      : `missions: ${countsLine(parts.counts)}`,
  );
  lines.push(
    parts.pause && 'error' in parts.pause
      ? `dispatch: unknown (${oneLine(parts.pause.error, 60)})`
      : pauseLine(parts.pause, now),
  );
  for (const runner of parts.runners) lines.push(runnerLine(runner, now));
  if (parts.providers) lines.push(parts.providers);
  return lines.join('\n');
}

export function formatLive(
  replies: Array<LiveReply | { runner: string; error: string }>,
  now: number,
  lines = 5,
): string {
  if (replies.length === 0) return 'no runners are running';
  const out: string[] = [];
  for (const live of replies) {
    out.push(runnerLine(live, now));
    if ('error' in live || !live.mission) continue;
    for (const p of live.progress.slice(-lines))
      out.push(`  ${ago(now - p.at)} ago · ${p.kind}: ${oneLine(p.text, 100)}`);
  }
  return out.join('\n');
}
