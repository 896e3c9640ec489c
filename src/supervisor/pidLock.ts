// One supervisor per state directory: two would fight over the embedded server's store and
// spawn every actor twice. `supervisor.pid` holds "<pid> <start time>" (from /proc/<pid>/stat,
// so a reused pid is told apart). It is taken by hard-linking a private temp file to the lock
// name, which fails if the name exists: two supervisors started together cannot both win, and
// nobody reads a half-written lock. A stale lock (holder gone, a zombie, a reused pid) is removed
// only under a second lock taken the same way, after re-reading it; then the lock is taken by
// link again, so a racing newcomer can still win it, but only one of them.
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE_MODE } from '../atomicFile.js';
import { SupervisorRunningError } from '../errors.js';
import { isProcessAlive, readProc } from '../process.js';

export interface LockHolder {
  pid: number;
  /** Clock ticks after boot (/proc/<pid>/stat field 22); absent in a lock written without /proc. */
  startTime?: number;
}

/** A takeover lock older than this is left over from a crash in the middle of a takeover. */
const TAKEOVER_STALE_MS = 10_000;
const MAX_ROUNDS = 200;

export function acquirePidLock(stateDir: string): () => void {
  const file = join(stateDir, 'supervisor.pid');
  const me: LockHolder = { pid: process.pid, ...optional(processStartTime(process.pid)) };
  const content = formatHolder(me);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (createExclusive(file, content)) return () => release(file, content);
    const seen = readLock(file);
    if (seen === undefined) continue; // removed meanwhile: try again
    const holder = parseHolder(seen);
    if (holder && holder.pid !== process.pid && holdsLock(holder)) {
      throw new SupervisorRunningError(
        `a supervisor is already running for ${stateDir} (pid ${holder.pid}); stop it first or use another --state-dir`,
      );
    }
    takeOverStale(file, seen);
  }
  throw new SupervisorRunningError(
    `could not take the lock ${file}: it keeps changing (several supervisors starting at once?); try again`,
  );
}

/** Removes the lock `file` if it still holds `stale`, under the takeover lock; false if someone else is at it. */
function takeOverStale(file: string, stale: string): boolean {
  const takeover = `${file}.takeover`;
  if (!createExclusive(takeover, formatHolder({ pid: process.pid }))) {
    clearAbandonedTakeover(takeover);
    sleepSync(5);
    return false;
  }
  try {
    if (readLock(file) === stale) rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(takeover, { force: true });
  }
}

function clearAbandonedTakeover(takeover: string): void {
  try {
    const holder = parseHolder(readFileSync(takeover, 'utf8'));
    const age = Date.now() - statSync(takeover).mtimeMs;
    if (age > TAKEOVER_STALE_MS || (holder !== undefined && !isProcessAlive(holder.pid)))
      rmSync(takeover, { force: true });
  } catch {
    // gone already
  }
}

/** Creates `file` with `content` only if nothing has that name: a hard link fails with EEXIST. */
function createExclusive(file: string, content: string): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, content, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function release(file: string, content: string): void {
  try {
    if (readFileSync(file, 'utf8') === content) rmSync(file);
  } catch {
    // already gone
  }
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function formatHolder(holder: LockHolder): string {
  return holder.startTime === undefined ? `${holder.pid}\n` : `${holder.pid} ${holder.startTime}\n`;
}

/** "<pid>" (older roshi) or "<pid> <start time>"; undefined for anything else. */
export function parseHolder(text: string): LockHolder | undefined {
  const match = /^\s*(\d+)(?:\s+(\d+))?\s*$/.exec(text);
  if (!match) return undefined;
  const pid = Number(match[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return { pid, ...optional(match[2] === undefined ? undefined : Number(match[2])) };
}

/**
 * Does this process still hold the lock? Not when it is gone, a zombie (exited, not yet reaped
 * by its parent), or its pid now names another program: a different start time, or, for a lock
 * without one, a command line that is not a roshi supervisor.
 */
export function holdsLock(holder: LockHolder): boolean {
  if (!isProcessAlive(holder.pid)) return false;
  const stat = readProcStat(holder.pid);
  if (stat === undefined) return true; // no /proc (or not ours to read): the signal probe is all there is
  if (stat.state === 'Z' || stat.state === 'X') return false;
  if (holder.startTime !== undefined) return stat.startTime === holder.startTime;
  return isRoshiSupervisor(holder.pid);
}

function isRoshiSupervisor(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('supervisor') && args.some((a) => /main\.[cm]?js$/.test(a));
  } catch {
    return true; // cannot tell: do not take a lock that may be live
  }
}

/** State and start time (as a number) of a process, from /proc; undefined when gone or unreadable. */
export function readProcStat(pid: number): { state: string; startTime: number } | undefined {
  const info = readProc(pid);
  const startTime = Number(info?.startTime);
  return info && Number.isSafeInteger(startTime) ? { state: info.state, startTime } : undefined;
}

export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

function optional(startTime: number | undefined): { startTime?: number } {
  return startTime === undefined ? {} : { startTime };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
