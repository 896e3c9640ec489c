// The child-supervision machine's settings, input, context and persisted form
// (docs/supervision.md#persisted-heal-state), apart from its state chart.
import type { BackoffSettings } from './backoff.js';
import type { ChildEvent, ChildNotice } from './childEvents.js';
import type { CircuitCounts, CircuitRules } from './circuitRules.js';
import type { Verdict } from '../src/contracts/index.js';

export interface HealSettings {
  readyTimeoutMs: number;
  ackTimeoutMs: number;
  cooperativeTimeoutMs: number;
  sigtermGraceMs: number;
  backoff: BackoffSettings;
  circuit: CircuitRules;
}

export type CircuitState = 'closed' | 'open' | 'halfOpen';

/** What survives a supervisor restart (stored in KV), so a crash loop is not forgotten. */
export interface PersistedHealState {
  counts: CircuitCounts;
  circuit: CircuitState;
  openUntil?: number;
  totalRestarts: number;
}

export interface ChildInput {
  name: string;
  /** False for children that do not speak roshi's control protocol (nats-server): tier 1 is skipped. */
  cooperative: boolean;
  settings: HealSettings;
  restored?: PersistedHealState;
}

export interface ChildContext {
  name: string;
  cooperative: boolean;
  settings: HealSettings;
  pid?: number;
  bootId?: string;
  counts: CircuitCounts;
  totalRestarts: number;
  /** Set while a restarted process has not yet proved healthy. */
  restarted: boolean;
  openUntil?: number;
  /** End of the current wait (tier cooldown, backoff, open circuit), ms since the epoch. */
  deadline?: number;
  waitMs: number;
  lastVerdict?: Verdict;
  lastExit?: { code: number | null; signal: string | null; at: number };
  reason?: string;
}

export type Signal = 'SIGTERM' | 'SIGKILL';
export type Notice = ChildNotice['type'];

/** The time an event happened; delayed (after) events carry none, they fire at the deadline. */
export const timeOf = (context: ChildContext, event: ChildEvent | { type: string; at?: number }): number =>
  'at' in event && typeof event.at === 'number' ? event.at : (context.deadline ?? 0);
