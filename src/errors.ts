// Every error roshi raises is one of these classes (or a subclass elsewhere): each has a `code`
// a bus client can branch on and an exit code for the CLI. Three functions turn any error into
// what the outside sees: describeError (operator text), exitCodeOf (process exit), and
// errorReply in src/bus/reply.ts (the bus's refusal envelope). Messages tell an operator what to
// do, so expected failures never show a stack.
import { clip } from './text/oneLine.js';

/** Process exit codes (sysexits.h), as docs/operations.md#exit-codes lists them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  dataErr: 65,
  unavailable: 69,
  software: 70,
  tempFail: 75,
  config: 78,
} as const;

export class RoshiError extends Error {
  /** What a bus reply and a client call this failure; subclasses name their own. */
  readonly code: string = 'error';
  /** Process exit code the CLI uses for this class of failure. */
  readonly exitCode: number = EXIT.failure;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The base of an error class that differs from RoshiError only in its code and exit code:
 * `class UsageError extends errorKind('usage', EXIT.usage) {}`.
 */
function errorKind<Code extends string>(code: Code, exitCode: number) {
  return class extends RoshiError {
    override readonly code: Code = code;
    override readonly exitCode: number = exitCode;
  };
}

/** Wrong command line: unknown command, missing argument. */
export class UsageError extends errorKind('usage', EXIT.usage) {}

/** Configuration that does not validate; the message names the key, the value and what was expected. */
export class ConfigError extends errorKind('config', EXIT.config) {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    readonly source?: string,
  ) {
    super(`config: ${key}${source ? ` (from ${source})` : ''} is ${describeValue(value)}; expected ${expected}`);
  }
}

/** A file that should parse (config YAML, a state file) and does not. */
export class ParseError extends errorKind('parse', EXIT.dataErr) {}

/** Something the machine lacks: nats-server not installed, a binary not found. */
export class MissingDependencyError extends errorKind('missing_dependency', EXIT.unavailable) {}

/** Another supervisor already runs on the same state directory; try again once it stopped. */
export class SupervisorRunningError extends errorKind('supervisor_running', EXIT.tempFail) {}

/** The bus could not be reached or answered with an error. */
export class BusError extends RoshiError {
  override readonly code: string = 'bus';
  override readonly exitCode = EXIT.unavailable;
}

/** A request got no answer in time. */
export class TimeoutError extends BusError {
  override readonly code = 'timeout';
}

/** A request reached nobody: no process serves the subject right now, so nothing happened. */
export class NoResponderError extends BusError {
  override readonly code = 'no_responder';
}

/** A request reached a handler that refused it (bad payload, unknown verb). */
export class RemoteError extends BusError {
  constructor(
    message: string,
    override readonly code: string,
  ) {
    super(message);
  }
}

/** A request payload without the shape its handler needs; the message names the field. */
export class BadRequestError extends RoshiError {
  override readonly code = 'bad_request';
}

/** A bus subject in front of a message ("roshi.missions.add: …"): the operator knows what they asked. */
const SUBJECT_PREFIX = /^[\w$>*-]+(?:\.[\w$>*-]+)+: /;

/**
 * The text an operator is shown for any error, by the CLI (after "roshi: ") and in chat: its own
 * words, without the bus subject a request error starts with.
 */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(SUBJECT_PREFIX, '');
}

/** The process exit code for any error: its class's, or EX_SOFTWARE for one roshi did not expect (a bug). */
export function exitCodeOf(error: unknown): number {
  return error instanceof RoshiError ? error.exitCode : EXIT.software;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object')
    return `${Array.isArray(value) ? 'a list' : 'a mapping'} ${clip(JSON.stringify(value), 60)}`;
  return `${typeof value} ${String(value)}`;
}
