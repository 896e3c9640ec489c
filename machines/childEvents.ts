// Events a child-supervision machine receives, and the notices it sends its parent. Built by
// tiny factories so the actor host and the tests construct them the same way. Every event
// carries `at` (ms since the epoch): the machine never reads a clock, it works from event times.
import type { Verdict } from '../src/contracts/index.js';

export type ChildEvent =
  | { type: 'START'; at: number }
  | { type: 'STOP'; at: number }
  | { type: 'PROCESS.STARTED'; pid: number; at: number }
  | { type: 'PROCESS.SPAWN_FAILED'; error: string; at: number; sample?: number }
  | { type: 'PROCESS.EXITED'; pid: number; code: number | null; signal: string | null; at: number; sample?: number }
  | { type: 'HEARTBEAT'; pid: number; bootId: string; at: number }
  | { type: 'VERDICT'; verdict: Verdict; at: number }
  /** `deferred`: the actor accepted, but restarts only after its current work (a runner's mission). */
  | { type: 'RESTART.ACKED'; pid: number; at: number; deferred?: boolean }
  | { type: 'RESTART.UNANSWERED'; pid: number; reason: string; at: number }
  | { type: 'ROLL'; reason: string; at: number }
  | { type: 'CIRCUIT.RESET'; at: number };

export const start = (at: number): ChildEvent => ({ type: 'START', at });
export const stop = (at: number): ChildEvent => ({ type: 'STOP', at });
export const processStarted = (pid: number, at: number): ChildEvent => ({ type: 'PROCESS.STARTED', pid, at });
export const spawnFailed = (error: string, at: number, sample?: number): ChildEvent => ({
  type: 'PROCESS.SPAWN_FAILED',
  error,
  at,
  ...(sample === undefined ? {} : { sample }),
});
export const processExited = (
  pid: number,
  code: number | null,
  signal: string | null,
  at: number,
  sample?: number,
): ChildEvent => ({ type: 'PROCESS.EXITED', pid, code, signal, at, ...(sample === undefined ? {} : { sample }) });
export const heartbeat = (pid: number, bootId: string, at: number): ChildEvent => ({
  type: 'HEARTBEAT',
  pid,
  bootId,
  at,
});
export const verdict = (v: Verdict): ChildEvent => ({ type: 'VERDICT', verdict: v, at: v.at });
export const restartAcked = (pid: number, at: number, deferred = false): ChildEvent =>
  deferred ? { type: 'RESTART.ACKED', pid, at, deferred } : { type: 'RESTART.ACKED', pid, at };
export const restartUnanswered = (pid: number, reason: string, at: number): ChildEvent => ({
  type: 'RESTART.UNANSWERED',
  pid,
  reason,
  at,
});
export const roll = (reason: string, at: number): ChildEvent => ({ type: 'ROLL', reason, at });
export const circuitReset = (at: number): ChildEvent => ({ type: 'CIRCUIT.RESET', at });

/** What a child-supervision machine tells its parent. */
export type ChildNotice = {
  type: 'CHILD.READY' | 'CHILD.GAVE_UP' | 'CHILD.DRIFT' | 'CHILD.DEFERRED' | 'CHILD.STOPPED';
  child: string;
  at: number;
};

/** Side effects the machine asks its host for; see `announce` in childSupervision.ts. */
export type AnnouncementKind =
  | 'spawning'
  | 'ready'
  | 'tier1'
  | 'tier2'
  | 'tier3'
  | 'exited'
  | 'backoff'
  | 'circuitOpen'
  | 'halfOpen'
  | 'circuitClosed'
  | 'rolling'
  | 'stopping'
  | 'stopped';

export interface Announcement {
  child: string;
  kind: AnnouncementKind;
  detail: string;
  at: number;
  pid?: number;
}
