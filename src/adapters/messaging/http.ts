// Plumbing shared by the HTTP chat providers (Telegram, Slack, Matrix): one JSON request with a
// deadline and the caller's stop signal, errors that never carry a secret, abortable sleeps and
// the backoff of a receive loop.
//
// Secrets: a provider passes every secret it holds (`secrets`) with each request. Error messages
// are built here from the provider name, the call and the URL's origin only (never its path,
// where Telegram keeps the token), then scrubbed of every secret once more; the underlying fetch
// error is not attached as `cause`, because its text is outside our control.
import { doublingBackoff } from '../../../machines/backoff.js';
import type { Logger } from '../../log.js';
import { formatDuration } from '../../config/duration.js';
import { RoshiError } from '../../errors.js';
import { sleep } from '../../time/sleep.js';
import { ProviderError, type Cursor } from './types.js';

/** What a provider factory needs besides its config section. */
export interface ProviderDeps {
  logger: Logger;
  /** Where the provider keeps its position in the inbound stream across restarts. */
  cursor: Cursor;
  /** process.env or a stand-in: the tokens are read from the variables the config names. */
  env: Record<string, string | undefined>;
  /**
   * Waits of the receive loop after a failed poll: `minMs` doubling up to `maxMs` (default
   * 250 ms → 1 s; a permanent refusal up to 60 s). A rate limit's own retry-after wins.
   */
  retry?: { minMs: number; maxMs: number };
  /** The least time between two poll starts (default receiveLoop.ts RECEIVE_FLOOR_MS). */
  receiveFloorMs?: number;
}

export const REDACTED = '[redacted]';

/** Deadline of the calls start() makes: well inside the bridge's own start timeout. */
export const START_CALL_TIMEOUT_MS = 10_000;

/** The caller's logger with `provider` bound, unless the caller bound it already. */
export function providerLogger(logger: Logger, name: string): Logger {
  return logger.bindings().provider === name ? logger : logger.child({ provider: name });
}

/** Replaces every occurrence of every (non-trivial) secret in `text`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export interface JsonRequest {
  provider: string;
  /** The call, as it appears in errors and logs: 'getUpdates', 'chat.postMessage', '/sync'. */
  what: string;
  method: 'GET' | 'POST' | 'PUT';
  /** The full URL. It may contain a secret (Telegram): it never reaches an error message. */
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON when set. */
  body?: unknown;
  timeoutMs: number;
  /** The provider's stop signal: an aborted request throws RequestAborted. */
  signal?: AbortSignal;
  secrets: readonly string[];
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the answer is not JSON (a proxy's HTML error page). */
  body: unknown;
}

/** The caller's signal aborted the request (the provider is stopping): not an error to report. */
export class RequestAborted extends RoshiError {
  override readonly code = 'aborted';
  constructor() {
    super('request aborted');
  }
}

/**
 * One HTTP request with a JSON answer. Any HTTP status resolves (the provider maps it); a network
 * failure or a timeout throws a transient ProviderError; the stop signal throws RequestAborted.
 */
export async function requestJson(request: JsonRequest): Promise<JsonResponse> {
  // One controller per request, tied to the stop signal by a listener removed afterwards.
  // Not AbortSignal.any([stop, timeout]): with a long-lived input signal it leaks every combined
  // signal on Node 20/22 (nodejs/node#55351), and a receive loop makes one request per poll.
  if (request.signal?.aborted) throw new RequestAborted();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onStop = () => controller.abort();
  request.signal?.addEventListener('abort', onStop, { once: true });
  try {
    return await exchange(request, controller.signal, () => timedOut);
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener('abort', onStop);
  }
}

async function exchange(request: JsonRequest, signal: AbortSignal, timedOut: () => boolean): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'roshi', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, { method: request.method, headers, body, signal });
    text = await response.text();
  } catch (error) {
    if (request.signal?.aborted) throw new RequestAborted();
    const reason = timedOut() ? `no answer within ${formatDuration(request.timeoutMs)}` : describeFetchError(error);
    throw new ProviderError(
      redact(
        `${request.provider}: ${request.what} failed: cannot reach ${originOf(request.url)}: ${reason}`,
        request.secrets,
      ),
      request.provider,
      true,
    );
  }
  let parsed: unknown = text;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  } else {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

/** "ECONNREFUSED", "ENOTFOUND", … from undici's `cause`, else the error's message. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown } | undefined)?.cause as { code?: unknown; message?: unknown } | undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Retry-After (seconds or an HTTP date) in ms, when present and sane. */
export function retryAfterHeaderMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The wait of a receive loop after its `failures`-th consecutive failure (1-based). */
export function backoffMs(failures: number, retry: { minMs: number; maxMs: number }, error?: unknown): number {
  if (error instanceof ProviderError && error.retryAfterMs !== undefined)
    return Math.max(error.retryAfterMs, retry.minMs);
  // ±20 % jitter, so several roshi instances do not hammer a recovering server in step.
  return doublingBackoff(failures, { initialMs: retry.minMs, maxMs: retry.maxMs }, 0.2, Math.random());
}

/** About a second at most between tries: the first command after an outage is read within ~2 s. */
export const DEFAULT_RETRY = { minMs: 250, maxMs: 1_000 } as const;

/** A record's field, or undefined, for reading untyped JSON without casts everywhere. */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Hands one inbound message to the bridge. A throwing handler is retried twice (1 s, 2 s); a
 * message that still fails is logged and skipped, so one poisonous message cannot stall the
 * stream. Returns false when the provider is stopping mid-way (the message was not handed over
 * and must not be marked as seen).
 */
export async function deliver<M extends { messageId: string }>(
  onMessage: (message: M) => Promise<void>,
  message: M,
  logger: Logger,
  signal: AbortSignal,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await onMessage(message);
      return true;
    } catch (error) {
      if (attempt >= 3) {
        logger.error(
          { messageId: message.messageId, err: errorText(error) },
          'inbound message refused by the bridge 3 times; skipped',
        );
        return true;
      }
      logger.warn(
        { messageId: message.messageId, attempt, err: errorText(error) },
        'inbound message refused by the bridge; retrying',
      );
      await sleep(1_000 * attempt, { signal });
      if (signal.aborted) return false;
    }
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Saves the cursor; a failed save is logged, not fatal (the next save catches up). */
export async function saveCursor(cursor: Cursor, value: string, logger: Logger): Promise<void> {
  try {
    await cursor.save(value);
  } catch (error) {
    logger.warn({ err: errorText(error) }, 'cannot save the inbound cursor; a restart may repeat messages');
  }
}
