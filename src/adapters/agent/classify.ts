// How a finished (not killed) Claude Code run ended: success, transient or permanent. Pure.
// API failures exit 1 with a `result` whose subtype is still `success`: `is_error` and
// `api_error_status` carry the truth. retryAfterMs comes from the last api_retry event (the
// CLI prints the server's Retry-After nowhere else), or from a "retry-after" mention in the
// error text; a usage limit's reset time (usageLimit.ts) wins over both. What the CLI does,
// observed: docs/claude-cli.md#errors-and-retries.
import { clip } from '../../text/oneLine.js';
import type { ApiRetryEvent, ResultEvent } from './streamJson.js';
import { usageLimitResetMs } from './usageLimit.js';

export type FinishedOutcome = 'success' | 'transient' | 'permanent';

export interface ClassifyInput {
  exitCode: number | null;
  signal: string | null;
  /** The run's `result` event, when it printed one. */
  result?: ResultEvent;
  /** The last `api_retry` event of the run, when there was one. */
  lastRetry?: ApiRetryEvent;
  stderrTail: string;
  stdoutTail: string;
  /** For a usage limit's reset time of day; Date.now() when absent. */
  now?: number;
}

export interface Classification {
  outcome: FinishedOutcome;
  /** Absent on success. */
  error?: string;
  /** Transient outcomes only. */
  retryAfterMs?: number;
}

/** How much of a tail goes into an error message. */
export const TAIL_BYTES = 2048;

const TRANSIENT_TEXT: RegExp[] = [
  /\boverloaded/i,
  /\brate[ _-]?limit/i,
  /\bRequest rejected \(429\)/i,
  /\bAPI Error:?\s*\(?(?:429|529|5\d\d)\b/i,
  /\bUnable to connect to API\b/i,
  /\b(?:ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH)\b/,
  /\b(?:ConnectionRefused|ConnectionReset|ConnectionClosed|FailedToOpenSocket)\b/,
  /\bsocket hang up\b/i,
  /\bfetch failed\b/i,
  /\bnetwork error\b/i,
  /\bConnection error\b/i,
];

export function isTransientStatus(status: number | null | undefined): boolean {
  return status === 429 || status === 529 || (typeof status === 'number' && status >= 500 && status <= 599);
}

export function classifyRun(input: ClassifyInput): Classification {
  const { exitCode, signal, result, lastRetry } = input;
  if (exitCode === 0 && result !== undefined && !result.isError) return { outcome: 'success' };
  // Killed from outside after it reported success (its exit path frozen or cut short): the work
  // is done, and running it again would pay for it twice.
  if (signal !== null && result !== undefined && !result.isError) return { outcome: 'success' };

  const error = errorText(input);
  // A usage limit says exactly when it ends: retrying sooner only meets it again.
  const resetMs = usageLimitResetMs(error, input.now ?? Date.now());
  if (resetMs !== undefined) return { outcome: 'transient', error, retryAfterMs: resetMs };
  const status = result?.apiErrorStatus ?? null;
  const transient =
    isTransientStatus(status) ||
    // An explicit non-transient status (400, 401, 403, 404…) wins over words in the text.
    (status === null && TRANSIENT_TEXT.some((re) => re.test(error))) ||
    (status === null && result === undefined && isTransientStatus(lastRetry?.errorStatus));
  if (!transient) return { outcome: 'permanent', error };

  const retryAfterMs = retryAfterFrom(lastRetry, error);
  return retryAfterMs === undefined ? { outcome: 'transient', error } : { outcome: 'transient', error, retryAfterMs };
}

/**
 * The error message of a failed run: what the result says (its text or error list), how the
 * process ended, then the stderr tail, or the stdout tail when stderr is empty.
 */
export function errorText(
  input: Pick<ClassifyInput, 'exitCode' | 'signal' | 'result' | 'stderrTail' | 'stdoutTail'>,
): string {
  const parts: string[] = [];
  const { result } = input;
  if (result?.isError) {
    const headline =
      result.result ??
      (result.errors.length > 0
        ? result.errors.join('; ')
        : `agent reported an error (${result.subtype ?? 'no subtype'})`);
    parts.push(headline);
  } else if (result === undefined) {
    parts.push('agent ended without a result');
  } else {
    parts.push('agent reported success but did not exit cleanly');
  }
  parts.push(input.signal ? `killed by ${input.signal}` : `exit code ${input.exitCode ?? 'unknown'}`);
  const stderr = tailText(input.stderrTail);
  const stdout = tailText(input.stdoutTail);
  let message = parts.join('; ');
  if (stderr !== '') message += `\nstderr:\n${stderr}`;
  else if (stdout !== '') message += `\nstdout:\n${stdout}`;
  return message;
}

function retryAfterFrom(lastRetry: ApiRetryEvent | undefined, error: string): number | undefined {
  if (lastRetry?.retryDelayMs !== undefined && lastRetry.retryDelayMs > 0) return Math.round(lastRetry.retryDelayMs);
  const match = /retry[-_ ]after["']?\s*[:=]?\s*["']?(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?)?\b/i.exec(
    error,
  );
  if (!match?.[1]) return undefined;
  const value = Number(match[1]);
  const unit = match[2]?.toLowerCase() ?? 's';
  return Math.round(unit.startsWith('m') ? value : value * 1000);
}

/**
 * The last lines of an output, each clipped to `lineMax` characters (one stream-json line can
 * be kilobytes long), together at most `max` bytes.
 */
export function tailText(text: string, max = TAIL_BYTES, lineMax = 500): string {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const raw = lines[i] ?? '';
    const line = clip(raw, lineMax);
    const bytes = Buffer.byteLength(line) + 1;
    if (size + bytes > max) {
      if (kept.length === 0) kept.unshift(lastBytes(line, max));
      break;
    }
    kept.unshift(line);
    size += bytes;
  }
  return kept.join('\n');
}

/** The last `max` bytes' worth of a text, cut at a line start when one is close. */
export function lastBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  const tail = Buffer.from(text)
    .subarray(-max)
    .toString('utf8')
    .replace(/^\uFFFD+/, '');
  const newline = tail.indexOf('\n');
  return newline >= 0 && newline < tail.length / 2 ? tail.slice(newline + 1) : tail;
}
