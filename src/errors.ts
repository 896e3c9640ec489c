// Every error roshi raises on purpose is one of these classes. The CLI's single top-level
// handler (src/main.ts) maps them to exit codes and prints only the message, never a stack,
// because each message is written to tell an operator what to do.

export class RoshiError extends Error {
  /** Process exit code the CLI uses for this class of failure. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong command line: unknown command, missing argument. */
export class UsageError extends RoshiError {
  override readonly exitCode = 64; // EX_USAGE
}

/** Configuration that does not validate; the message names the key, the value and what was expected. */
export class ConfigError extends RoshiError {
  override readonly exitCode = 78; // EX_CONFIG
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    readonly source?: string,
  ) {
    super(
      `config: ${key}${source ? ` (from ${source})` : ''} is ${describeValue(value)}; expected ${expected}`,
    );
  }
}

/** A file that should parse (config YAML, a state file) and does not. */
export class ParseError extends RoshiError {
  override readonly exitCode = 65; // EX_DATAERR
}

/** Something the machine lacks: nats-server not installed, a binary not found. */
export class MissingDependencyError extends RoshiError {
  override readonly exitCode = 69; // EX_UNAVAILABLE
}

/** Another supervisor already runs on the same state directory. */
export class SupervisorRunningError extends RoshiError {
  override readonly exitCode = 75; // EX_TEMPFAIL: try again once the other one stopped
}

/** The bus could not be reached or answered with an error. */
export class BusError extends RoshiError {
  override readonly exitCode = 69;
}

/** A request got no answer in time. */
export class TimeoutError extends BusError {}

/** A request reached a handler that refused it (bad payload, unknown verb). */
export class RemoteError extends BusError {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return `${Array.isArray(value) ? 'a list' : 'a mapping'} ${truncate(JSON.stringify(value))}`;
  return `${typeof value} ${String(value)}`;
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
