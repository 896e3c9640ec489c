// The arithmetic of a circuit breaker, shared by the circuitBreaker machine (runner dispatch,
// pipeline steps) and the child-supervision machine (restart circuits), so both trip on exactly
// the same rules. Two rules, each optional: N consecutive failures since the last success, and
// OTP-style intensity (R failures within a period T). Pure data in, data out.

export interface CircuitRules {
  maxConsecutiveFailures?: number;
  intensity?: { maxFailures: number; periodMs: number };
  openForMs: number;
}

export interface CircuitCounts {
  /** Consecutive failures since the last success. */
  failures: number;
  /** Failure times inside the intensity window, oldest first. */
  recentFailures: number[];
  /** How often the circuit has opened, for status. */
  opens: number;
}

export const emptyCounts = (): CircuitCounts => ({ failures: 0, recentFailures: [], opens: 0 });

export function recordFailure(counts: CircuitCounts, at: number, rules: CircuitRules): CircuitCounts {
  const periodMs = rules.intensity?.periodMs ?? 0;
  const recent = [...counts.recentFailures, at].filter((t) => at - t < periodMs || t === at);
  return { ...counts, failures: counts.failures + 1, recentFailures: periodMs > 0 ? recent : [] };
}

export function recordSuccess(counts: CircuitCounts): CircuitCounts {
  return { ...counts, failures: 0 };
}

export function shouldTrip(counts: CircuitCounts, rules: CircuitRules): boolean {
  if (rules.maxConsecutiveFailures !== undefined && counts.failures >= rules.maxConsecutiveFailures) return true;
  if (rules.intensity && counts.recentFailures.length >= rules.intensity.maxFailures) return true;
  return false;
}

export function recordOpen(counts: CircuitCounts): CircuitCounts {
  return { ...counts, opens: counts.opens + 1 };
}
