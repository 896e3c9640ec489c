// A circuit breaker's rules, input, context and persisted form, and the check that rejects a
// breaker that could never work (docs/supervision.md#the-circuit-breaker-machine).
import type { CircuitRules } from './circuitRules.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** What survives a restart; exactly what `breakerSummary` returns and `input.restore` takes. */
export interface PersistedBreaker {
  state: BreakerState;
  /** Consecutive failures since the last success. */
  failures: number;
  /** Failure times inside the intensity window (empty when there is no intensity rule). */
  recentFailures: number[];
  /** Deadline of the current open wait, ms since the epoch. */
  openUntil?: number;
  opens: number;
}

/** OTP restart intensity trips at maxFailures failures in the window (at - periodMs, at]. */
export type BreakerRules = CircuitRules;

export interface BreakerInput extends BreakerRules {
  /** Creation time (ms); only used to resume a restored open wait. */
  now: number;
  restore?: PersistedBreaker;
  /** Also sendParent every notice; set it only when the breaker is invoked/spawned by a machine. */
  notifyParent?: boolean;
  /** Copied into notices as `breaker`, so a parent with several breakers can tell them apart. */
  name?: string;
}

export interface BreakerContext {
  rules: BreakerRules;
  name?: string;
  notifyParent: boolean;
  failures: number;
  recentFailures: number[];
  opens: number;
  /** When the current open wait starts counting: the tripping FAILURE's `at`, or input.now on restore. */
  openedAt?: number;
  openUntil?: number;
  /** The persisted state to resume; read once by the transient `restoring` state. */
  restoredState: BreakerState;
  reason?: string;
}

const positive = (n: number | undefined): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0;

/**
 * Throws on a breaker that could never work. The machine calls it while building its context;
 * xstate turns that throw into an error snapshot (an invoking parent gets onError), so config
 * loaders should also call it directly to fail fast with the message.
 */
export function validateBreakerInput(input: BreakerInput): void {
  const fail = (why: string): never => {
    throw new Error(`circuitBreaker${input.name ? ` '${input.name}'` : ''}: ${why}`);
  };
  if (!positive(input.openForMs)) fail(`openForMs must be a positive number of ms, got ${input.openForMs}`);
  if (input.maxConsecutiveFailures === undefined && !input.intensity) {
    fail('give at least one trip rule: maxConsecutiveFailures or intensity');
  }
  const count = (n: number): boolean => Number.isInteger(n) && n >= 1;
  const max = input.maxConsecutiveFailures;
  if (max !== undefined && !count(max)) fail(`maxConsecutiveFailures must be an integer >= 1, got ${max}`);
  const { intensity } = input;
  if (intensity && !(count(intensity.maxFailures) && positive(intensity.periodMs))) {
    fail('intensity needs an integer maxFailures >= 1 and a positive periodMs');
  }
  if (!Number.isFinite(input.now)) fail(`now must be a time in ms, got ${input.now}`);
}
