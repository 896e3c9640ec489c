// The watchdog's verdict on one actor, published on <prefix>.watchdog.verdict. Computed by
// machines/liveness.ts; the supervisor tree acts on it (machines/childSupervision.ts).

export type VerdictKind = 'healthy' | 'stale' | 'dead' | 'drift' | 'hung';

export interface Verdict {
  actor: string;
  verdict: VerdictKind;
  pid: number;
  bootId: string;
  /** Human-readable reason, e.g. "no heartbeat for 10.4 s". */
  evidence: string;
  at: number;
}
