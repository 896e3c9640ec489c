// The runner machine's input, context, events and what it keeps of a finished agent run,
// apart from its state chart in machines/runner.ts (docs/missions.md#lifecycle).
import type { Mission, OutcomeClass } from '../src/contracts/index.js';
import type { CircuitNotice } from './circuitBreaker.js';

/** What the runner needs to know about a finished agent run. */
export interface AgentOutcome {
  outcome: OutcomeClass;
  /** When the run ended, ms since the epoch (the machine reads no clock). */
  at: number;
  summary: string;
  error?: string;
  retryAfterMs?: number;
  /** The adapter's full result, passed through to the pipeline and the store untouched. */
  details?: unknown;
}

export interface RunnerInput {
  name: string;
  pollIntervalMs: number;
  startPaused: boolean;
  breaker: { maxConsecutiveFailures: number; openForMs: number };
  now: number;
}

export interface RunnerContext {
  name: string;
  breakerSettings: RunnerInput['breaker'];
  pollIntervalMs: number;
  paused: boolean;
  pauseUntil?: number;
  mission?: Mission;
  worktree?: string;
  outcome?: AgentOutcome;
  pipeline?: unknown;
  drainRequested: boolean;
  /** Why the current mission is being stopped early (cancel, abort, lease lost). */
  stopReason?: string;
  breakerOpen: boolean;
  completed: number;
}

export type RunnerEvent =
  | { type: 'MISSION.AVAILABLE' }
  | { type: 'DISPATCH.PAUSED'; until?: number }
  | { type: 'DISPATCH.RESUMED' }
  | { type: 'MISSION.CANCELLED'; id: string }
  | { type: 'ABORT'; reason: string }
  | { type: 'LEASE.LOST'; id: string; reason: string }
  | { type: 'DRAIN' }
  | CircuitNotice;
