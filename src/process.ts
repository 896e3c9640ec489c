// Small facts about OS processes, shared by the watchdog, the supervisor and the agent adapter.
import { readFileSync } from 'node:fs';

/** True when a process with this pid exists (signal 0 probes without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends a signal, ignoring a process that is already gone. Returns whether it was delivered. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface ProcInfo {
  pid: number;
  /** Field 3: R, S, D, Z (zombie), X (dead), … */
  state: string;
  ppid: number;
  pgid: number;
  /** Clock ticks since boot; with the pid, identifies one process for its lifetime. */
  startTime: string;
  zombie: boolean;
}

/** /proc/<pid>/stat, or undefined when the process is gone (or there is no /proc). */
export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces or parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, pgrp 5, starttime 22.
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgid = Number(rest[2]);
  const startTime = rest[19];
  if (state === undefined || !Number.isInteger(ppid) || !Number.isInteger(pgid) || startTime === undefined)
    return undefined;
  return { pid, state, ppid, pgid, startTime, zombie: state === 'Z' || state === 'X' };
}
