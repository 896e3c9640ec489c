// Liveness verdicts from heartbeat data. Pure: the caller passes the clock, whether the process
// is alive, and the build id on disk. Used by the watchdog for every actor and by the
// supervisor for the watchdog itself ("who watches the watchdog").
import type { HeartbeatRecord, Verdict, VerdictKind } from '../src/contracts/index.js';

export interface LivenessSettings {
  staleAfterMs: number;
  maxLoopLagMs: number;
}

export interface LivenessFacts {
  now: number;
  /** undefined when liveness cannot be checked (another host). */
  processAlive: boolean | undefined;
  /** The build id on disk; undefined when unknown. */
  diskBuildId: string | undefined;
}

/** The worst finding wins: dead, then stale, then hung, then drift. */
export function assessLiveness(hb: HeartbeatRecord, facts: LivenessFacts, settings: LivenessSettings): Verdict {
  const verdict = (kind: VerdictKind, evidence: string): Verdict => ({
    actor: hb.actor,
    verdict: kind,
    pid: hb.pid,
    bootId: hb.bootId,
    evidence,
    at: facts.now,
  });
  const age = facts.now - hb.receivedAt;
  if (facts.processAlive === false) return verdict('dead', `process ${hb.pid} is gone`);
  if (age > settings.staleAfterMs) return verdict('stale', `no heartbeat for ${seconds(age)}`);
  if (hb.loopLagMs > settings.maxLoopLagMs) return verdict('hung', `event loop lagged ${seconds(hb.loopLagMs)}`);
  if (facts.diskBuildId !== undefined && hb.buildId !== facts.diskBuildId) {
    return verdict('drift', `runs build ${hb.buildId}, disk has ${facts.diskBuildId}`);
  }
  return verdict('healthy', `heartbeat ${seconds(age)} ago`);
}

/**
 * `hb` counted as heard no earlier than `since`: the judge could not hear anything before then
 * (it started, or its connection to the bus came back), so silence before it is no evidence.
 * A frozen actor is still found, staleAfter after `since`.
 */
export function heardNoEarlierThan(hb: HeartbeatRecord, since: number): HeartbeatRecord {
  return hb.receivedAt >= since ? hb : { ...hb, receivedAt: since };
}

export function isUnhealthy(kind: VerdictKind): boolean {
  return kind === 'stale' || kind === 'dead' || kind === 'hung';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
