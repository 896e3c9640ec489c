// missions.md: a view of the store for people, rendered by one writer (the missions actor).
// Sections CI, Pending, In Progress, Awaiting Approval (when any), Done and Failed with local-time stamps, as shown in
// docs/missions.md#missionsmd. Rendering is a pure function of the missions and `now`: the same
// input gives the same bytes, whatever order the missions come in.
import type { Mission } from '../contracts/index.js';
import { clip, oneLine } from '../text/oneLine.js';
import { heldBranches, waitingFor, waitingText } from './store/branchKeys.js';
import { compareQueue } from './transitions.js';

/** One PR in the CI queue (filled by the PR poller). */
export interface CiEntry {
  project: string;
  url: string;
  branch: string;
  attempt: number;
  maxAttempts: number;
}

export interface RenderOptions {
  now: number;
  /** How many done missions to list, newest first. */
  keepDone: number;
  /** How many failed missions to list, newest first. */
  keepFailed: number;
  ci?: readonly CiEntry[];
}

export const SECTION_TITLES = ['CI', 'Pending', 'In Progress', 'Awaiting Approval', 'Done', 'Failed'] as const;
/** Shown only when something waits (docs/missions.md#approval), so files without approvals keep their shape. */
const ONLY_WHEN_FILLED: readonly SectionTitle[] = ['Awaiting Approval'];
export type SectionTitle = (typeof SECTION_TITLES)[number];

export const STAMP = { queued: '⏳', started: '▶', done: '✅', failed: '❌' } as const;

const DAY_MS = 24 * 3600_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const CAUSE_MAX = 120;

export function renderMissionsFile(missions: Iterable<Mission>, options: RenderOptions): string {
  const pending: Mission[] = [];
  const running: Mission[] = [];
  const done: Mission[] = [];
  const failed: Mission[] = [];
  const cancelled: Mission[] = [];
  const awaiting: Mission[] = [];
  for (const m of missions) {
    if (m.status === 'pending') pending.push(m);
    else if (m.status === 'running') running.push(m);
    else if (m.status === 'awaiting_approval') awaiting.push(m);
    else if (m.status === 'done') done.push(m);
    else if (m.status === 'failed') failed.push(m);
    else cancelled.push(m);
  }
  pending.sort(compareQueue);
  running.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0) || compareId(a, b));
  const newestFirst = (a: Mission, b: Mission) =>
    (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt) || compareId(a, b);
  const { now } = options;
  // A pending mission another holds the branch of says so (docs/missions.md#one-mission-per-branch).
  const held = heldBranches([...running, ...cancelled], now);
  const waits = (m: Mission) => {
    const holder = waitingFor(m, held);
    return holder ? ` — ${waitingText(holder)}` : '';
  };

  const sections: Record<SectionTitle, string[]> = {
    CI: (options.ci ?? []).map(
      (c) => `- ${tag(c.project)} ${c.url} branch:${c.branch} (attempt ${c.attempt}/${c.maxAttempts})`,
    ),
    Pending: pending.map(
      (m) => `- ${tag(m.project)} ${oneLine(m.text)} ${STAMP.queued}${formatStamp(m.createdAt, now)}${waits(m)}`,
    ),
    'In Progress': running.map(
      (m) =>
        `- ${tag(m.project)} ${oneLine(m.text)} ${STAMP.queued}${formatStamp(m.createdAt, now)} ${STAMP.started}${formatStamp(m.startedAt ?? m.updatedAt, now)}`,
    ),
    'Awaiting Approval': [...awaiting, ...done.filter((m) => m.approval?.state === 'pending')]
      .sort((a, b) => (a.approval?.askedAt ?? 0) - (b.approval?.askedAt ?? 0) || compareId(a, b))
      .map(
        (m) =>
          `- ${tag(m.project)} ${oneLine(m.text)} ✋ ${m.approval?.gate ?? 'push'} ${m.id}: ${clip(oneLine(m.approval?.summary ?? ''), 200)} (/approve ${m.id} or /reject ${m.id})`,
      ),
    Done: topN(done, newestFirst, options.keepDone).map((m) => {
      const took = tookMs(m);
      return `- ${tag(m.project)} ${oneLine(m.text)} ${STAMP.done}${took === undefined ? '' : ` took ${formatTook(took)}`}`;
    }),
    Failed: topN(failed, newestFirst, options.keepFailed).map(
      (m) => `- ${tag(m.project)} ${oneLine(m.text)} ${STAMP.failed} [${failureCause(m)}]`,
    ),
  };
  const blocks = SECTION_TITLES.filter((t) => !ONLY_WHEN_FILLED.includes(t) || sections[t].length > 0).map((title) =>
    [`## ${title}`, ...sections[title]].join('\n'),
  );
  return `# Missions\n\n${blocks.join('\n\n')}\n`;
}

/** `[project:app]` */
export function tag(project: string): string {
  return `[project:${project}]`;
}

/** `@ 8:14pm` (today), `Mon @ 9am` (the six days before), `Mon 3/31 @ 9am` (older, or in the future on another day). */
export function formatStamp(at: number, now: number): string {
  const when = new Date(at);
  const days = Math.round((startOfDay(now) - startOfDay(at)) / DAY_MS);
  const clock = `@ ${formatClock(when)}`;
  if (days === 0) return clock;
  const weekday = WEEKDAYS[when.getDay()] as string;
  if (days > 0 && days <= 6) return `${weekday} ${clock}`;
  return `${weekday} ${when.getMonth() + 1}/${when.getDate()} ${clock}`;
}

/** `9am`, `9:05am`, `12pm` (noon), `12:30am` (just after midnight). */
export function formatClock(date: Date): string {
  const hours = date.getHours();
  const minutes = date.getMinutes();
  const h12 = hours % 12 === 0 ? 12 : hours % 12;
  const suffix = hours < 12 ? 'am' : 'pm';
  return minutes === 0 ? `${h12}${suffix}` : `${h12}:${String(minutes).padStart(2, '0')}${suffix}`;
}

/** `42s`, `35m`, `2h`, `1h 5m`, `3d 4h`. */
export function formatTook(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

function tookMs(m: Mission): number | undefined {
  if (m.result?.durationMs !== undefined) return m.result.durationMs;
  if (m.startedAt !== undefined && m.finishedAt !== undefined) return m.finishedAt - m.startedAt;
  return undefined;
}

function failureCause(m: Mission): string {
  const cause = oneLine(m.result?.error ?? m.lastError ?? 'failed').replace(/\]/g, ')');
  return clip(cause, CAUSE_MAX) || 'failed';
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

function topN(missions: Mission[], compare: (a: Mission, b: Mission) => number, n: number): Mission[] {
  return n <= 0 ? [] : missions.sort(compare).slice(0, n);
}

function compareId(a: Mission, b: Mission): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
