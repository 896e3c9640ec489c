// Read-only views of a child-supervision snapshot: the status row `roshi status` prints and the
// heal state persisted in KV. Derived from the snapshot, never stored twice.
import type { SnapshotFrom } from 'xstate';
import type { childSupervisionMachine, CircuitState, PersistedHealState } from './childSupervision.js';
import type { Verdict } from '../src/contracts/index.js';

export type ChildSnapshot = SnapshotFrom<typeof childSupervisionMachine>;

export interface ChildStatus {
  name: string;
  state: string;
  tier: 0 | 1 | 2 | 3;
  circuit: CircuitState;
  pid: number | null;
  restarts: number;
  recentRestarts: number;
  deadline: number | null;
  reason: string | null;
  lastVerdict: Verdict | null;
}

export function stateName(snapshot: ChildSnapshot): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([parent, child]) => `${parent}.${String(child)}`)
    .join(',');
}

export function circuitOf(state: string): CircuitState {
  if (state === 'circuitOpen' || state === 'halfOpenFailed') return 'open';
  if (state === 'halfOpen') return 'halfOpen';
  return 'closed';
}

const TIERS: Record<string, 1 | 2 | 3> = { tier1: 1, tier2: 2, tier3: 3 };

export function childStatus(snapshot: ChildSnapshot): ChildStatus {
  const { context } = snapshot;
  const state = stateName(snapshot);
  return {
    name: context.name,
    state,
    tier: TIERS[state] ?? 0,
    circuit: circuitOf(state),
    pid: context.pid ?? null,
    restarts: context.totalRestarts,
    recentRestarts: context.counts.recentFailures.length,
    deadline: context.deadline ?? null,
    reason: context.reason ?? null,
    lastVerdict: context.lastVerdict ?? null,
  };
}

export function persistedHealState(snapshot: ChildSnapshot): PersistedHealState {
  const { context } = snapshot;
  const circuit = circuitOf(stateName(snapshot));
  return {
    counts: context.counts,
    circuit,
    totalRestarts: context.totalRestarts,
    ...(circuit !== 'closed' && context.openUntil !== undefined ? { openUntil: context.openUntil } : {}),
  };
}
