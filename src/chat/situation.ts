// What the chat knows about roshi's work when it answers: whether a mission is running and
// which, what is queued, what finished last, whether dispatch is paused. Read from the mission
// store's index (the one shared source: the KV bucket, followed by a watch) — never by asking a
// runner, so a busy or hung runner cannot delay a chat reply. Pure: the caller passes the store
// (or anything with list and counts) and the time.
import type { ListOptions } from '../missions/store.js';
import type { PauseRecord } from '../missions/pause.js';
import { isPausedAt } from '../missions/pause.js';
import { oneLine } from '../text/oneLine.js';
import type { Mission, MissionStatus } from '../contracts/index.js';

/** The read side of MissionStore; nothing here writes. */
export interface MissionReader {
  list(options?: ListOptions): Mission[];
  counts(): Record<MissionStatus, number>;
}

export interface MissionBrief {
  id: string;
  project: string;
  kind: string;
  text: string;
  url?: string;
  status: MissionStatus;
  runner?: string;
  /** running: since when; finished: when. */
  since?: number;
  attempts: number;
  maxAttempts: number;
  /** Finished missions: the summary or the error, one line. */
  outcome?: string;
  prUrl?: string;
}

export interface Situation {
  /** ms since the epoch, when it was read. */
  at: number;
  counts: Record<MissionStatus, number>;
  running: MissionBrief[];
  /** The next few in queue order. */
  next: MissionBrief[];
  /** The last few finished, newest first. */
  recent: MissionBrief[];
  dispatch: { paused: boolean; until?: number; by?: string };
}

const RUNNING_SHOWN = 5;
const NEXT_SHOWN = 3;
const RECENT_SHOWN = 3;
const TEXT_MAX = 200;

export function readSituation(missions: MissionReader, pause: PauseRecord | undefined, now: number): Situation {
  const paused = pause ? isPausedAt(pause, now) : false;
  return {
    at: now,
    counts: missions.counts(),
    running: missions.list({ status: 'running', limit: RUNNING_SHOWN }).map(brief),
    next: missions.list({ status: 'pending', limit: NEXT_SHOWN }).map(brief),
    recent: missions.list({ status: ['done', 'failed', 'cancelled'], limit: RECENT_SHOWN }).map(brief),
    dispatch:
      paused && pause
        ? { paused: true, ...(pause.until !== undefined ? { until: pause.until } : {}), by: pause.by }
        : { paused: false },
  };
}

function brief(m: Mission): MissionBrief {
  const finished = m.status === 'done' || m.status === 'failed' || m.status === 'cancelled';
  const outcome = finished
    ? m.status === 'done'
      ? m.result?.summary
      : (m.result?.error ?? m.lastError ?? m.result?.summary)
    : undefined;
  const since = m.status === 'running' ? m.startedAt : finished ? (m.finishedAt ?? m.updatedAt) : m.createdAt;
  return {
    id: m.id,
    project: m.project,
    kind: m.kind,
    text: oneLine(m.text, TEXT_MAX),
    ...(m.url ? { url: m.url } : {}),
    status: m.status,
    ...(m.lease?.runner ? { runner: m.lease.runner } : {}),
    ...(since !== undefined ? { since } : {}),
    attempts: m.attempts,
    maxAttempts: m.maxAttempts,
    ...(outcome ? { outcome: oneLine(outcome, TEXT_MAX) } : {}),
    ...(m.result?.prUrl ? { prUrl: m.result.prUrl } : {}),
  };
}
