// Every refusal the mission store and its intake can give. Each carries the `code` of the
// RoshiError taxonomy (src/errors.ts), which the bus's reply envelope passes on
// ({ ok: false, error: { code, message } }), so a client can tell "already queued" from
// "no such mission" without reading the message.
import { BadRequestError, RoshiError } from '../errors.js';
import type { MissionStatus } from '../contracts/index.js';

/** A payload that does not have the shape a mission request needs: the general class, named here with its siblings. */
export { BadRequestError };

/** Mission text that cannot become a mission: a command without its URL, empty text. */
export class InvalidMissionError extends RoshiError {
  override readonly code = 'invalid_mission';
}

/** A project that is not configured, or no way to choose one. */
export class UnknownProjectError extends RoshiError {
  override readonly code = 'unknown_project';
}

/** Same command and same URL as a mission that is pending or running. */
export class DuplicateMissionError extends RoshiError {
  override readonly code = 'duplicate';
  constructor(
    readonly existingId: string,
    readonly existingStatus: MissionStatus,
  ) {
    super(`already queued as ${existingId} (${existingStatus})`);
  }
}

/** No mission has this id (or no mission id starts with this prefix). */
export class UnknownMissionError extends RoshiError {
  override readonly code = 'unknown_mission';
  constructor(readonly id: string) {
    super(`no mission ${JSON.stringify(id)}`);
  }
}

/** An id prefix that several missions share. */
export class AmbiguousMissionIdError extends RoshiError {
  override readonly code = 'ambiguous_id';
  constructor(
    readonly prefix: string,
    readonly matches: string[],
  ) {
    const shown = matches.slice(0, 5).join(', ') + (matches.length > 5 ? `, … (${matches.length} in all)` : '');
    super(`${JSON.stringify(prefix)} matches several missions: ${shown}; give more of the id`);
  }
}

/** The runner no longer holds the mission: cancelled, or its lease expired and it went back to the queue. */
export class LeaseLostError extends RoshiError {
  override readonly code = 'lease_lost';
  constructor(
    readonly id: string,
    readonly runner: string,
    readonly reason: string,
  ) {
    super(`${runner} no longer holds mission ${id}: ${reason}`);
  }
}

/** A transition asked of a mission that is not in the status the transition starts from. */
export class InvalidTransitionError extends RoshiError {
  override readonly code = 'invalid_transition';
  constructor(
    readonly id: string,
    readonly action: string,
    readonly actual: MissionStatus,
    readonly expected: readonly MissionStatus[],
  ) {
    super(`cannot ${action} mission ${id}: it is ${actual}, and ${action} needs ${expected.join(' or ')}`);
  }
}

/** A record in the bucket that is not a mission (bad JSON, a missing or mistyped field): quarantined, not served. */
export class InvalidRecordError extends RoshiError {
  override readonly code = 'invalid_record';
  constructor(
    readonly id: string,
    readonly reason: string,
  ) {
    super(`mission ${id} is an invalid record in the store (${reason}); it is quarantined: fix or delete the key`);
  }
}
