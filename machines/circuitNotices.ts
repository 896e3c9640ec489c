// What a circuit breaker is told (FAILURE, SUCCESS, RESET) and what it announces (CIRCUIT.*),
// with their constructors, apart from the machine (docs/supervision.md#the-circuit-breaker-machine).

export type BreakerEvent =
  | { type: 'FAILURE'; at: number; reason?: string }
  | { type: 'SUCCESS'; at: number }
  | { type: 'RESET' };

export const breakerFailure = (at: number, reason?: string): BreakerEvent =>
  reason === undefined ? { type: 'FAILURE', at } : { type: 'FAILURE', at, reason };
export const breakerSuccess = (at: number): BreakerEvent => ({ type: 'SUCCESS', at });
export const breakerReset = (): BreakerEvent => ({ type: 'RESET' });

type Named = { breaker?: string }; // copied from input.name
export type CircuitOpened = Named & {
  type: 'CIRCUIT.OPENED';
  at: number;
  openUntil: number;
  failures: number;
  opens: number;
  reason?: string;
};
export type CircuitHalfOpened = Named & { type: 'CIRCUIT.HALF_OPENED'; at: number };
/** `at` is absent for an operator RESET, which carries no time. */
export type CircuitClosed = Named & { type: 'CIRCUIT.CLOSED'; at?: number; reset: boolean };
export type CircuitNotice = CircuitOpened | CircuitHalfOpened | CircuitClosed;

export const circuitOpened = (info: Omit<CircuitOpened, 'type'>): CircuitOpened => ({
  type: 'CIRCUIT.OPENED',
  ...info,
});
export const circuitHalfOpened = (info: Omit<CircuitHalfOpened, 'type'>): CircuitHalfOpened => ({
  type: 'CIRCUIT.HALF_OPENED',
  ...info,
});
export const circuitClosed = (info: Omit<CircuitClosed, 'type'>): CircuitClosed => ({
  type: 'CIRCUIT.CLOSED',
  ...info,
});
