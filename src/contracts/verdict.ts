// The watchdog's verdict on one actor, published on <prefix>.watchdog.verdict. Computed by
// machines/liveness.ts; the supervisor tree acts on it (machines/childSupervision.ts).
import { reader } from './subject.js';

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

const VERDICT_KINDS: readonly string[] = ['healthy', 'stale', 'dead', 'drift', 'hung'];

/** A verdict as received, stamped with the receiver's clock; undefined when a field is unusable. */
export const readVerdict = reader<Verdict>((payload, receivedAt) => {
  const { actor, pid, bootId, evidence, verdict } = payload;
  if (typeof actor !== 'string' || typeof pid !== 'number' || typeof verdict !== 'string') return undefined;
  if (!VERDICT_KINDS.includes(verdict)) return undefined;
  return {
    actor,
    pid,
    verdict: verdict as VerdictKind,
    bootId: typeof bootId === 'string' ? bootId : '',
    evidence: typeof evidence === 'string' ? evidence : '',
    at: receivedAt,
  };
});
