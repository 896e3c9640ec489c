// Matrix provider (client-server API v3, https://spec.matrix.org/latest/client-server-api/).
//
// In: /sync long polling with `since` (the cursor, saved after each batch has been handed to the
// bridge). The first start without a saved cursor skips history: it syncs once, keeps
// next_batch and delivers nothing from that sync. Only m.room.message events with msgtype m.text
// in the configured room count; our own messages (the user /account/whoami names), edits and
// redacted events are ignored, and a reply's quoted fallback is cut off. When the server
// shortens a timeline after a long absence (`limited`), the gap is read back with /messages so
// nothing is lost. stop() lets the batch being handed over finish: a `since` covers a whole batch.
//
// Out: PUT /rooms/{roomId}/send/m.room.message/{txnId}. The transaction id is unique per message
// and reused when a send that failed transiently is retried (same room and text, within 10
// minutes), so a send whose answer was lost is deduplicated by the homeserver instead of posted
// twice. Text goes in `body` as is: Markdown reads fine as plain text in every client.
//
// Errors: 429 (M_LIMIT_EXCEEDED, retry_after_ms) → transient with retryAfterMs; 5xx and network
// → transient; other 4xx fail fast, permanent, with the errcode and error text.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { RoshiConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import {
  DEFAULT_RETRY,
  RequestAborted,
  START_CALL_TIMEOUT_MS,
  backoffMs,
  deliver,
  errorText,
  field,
  num,
  providerLogger,
  readToken,
  redact,
  requestJson,
  retryAfterHeaderMs,
  saveCursor,
  str,
  type ProviderDeps,
} from './http.js';
import { sleep } from '../../time/sleep.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

export type { ProviderDeps } from './http.js';
export type MatrixSettings = RoshiConfig['bridge']['matrix'];

/**
 * A whole event may be 65,536 bytes as federated (signatures, hashes and room references
 * included). 16,000 UTF-16 units are at most 48,000 bytes of UTF-8 in `body`, leaving room for
 * the rest.
 */
export const MATRIX_MAX_LENGTH = 16_000;
const MAX_CONTENT_BYTES = 60_000;
const NAME = 'matrix';
const SYNC_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;
const TIMELINE_LIMIT = 100;
const GAP_MAX_PAGES = 20;
const NEVER = new AbortController().signal;
/** How long a failed send's transaction id is kept for a retry of the same text. */
const TXN_REUSE_MS = 10 * 60_000;
const TXN_MAX_PENDING = 200;

export function createMatrixProvider(settings: MatrixSettings, deps: ProviderDeps): MessagingProvider {
  if (settings.homeserverUrl === '') {
    throw new ConfigError(
      'bridge.matrix.homeserverUrl',
      '',
      'the client-server API root of the homeserver, e.g. https://matrix.example.org (the matrix provider is listed in bridge.providers)',
    );
  }
  if (!/^[!#][^:]+:.+$/.test(settings.roomId)) {
    throw new ConfigError(
      'bridge.matrix.roomId',
      settings.roomId,
      'a room id such as !abc:example.org (Room settings → Advanced) or an alias such as #roshi:example.org',
    );
  }
  if (settings.userId !== '' && !/^@[^:]+:.+$/.test(settings.userId)) {
    throw new ConfigError(
      'bridge.matrix.userId',
      settings.userId,
      'a user id such as @roshi:example.org, or "" to ask the homeserver',
    );
  }
  const token = readToken(
    deps.env,
    settings.tokenEnv,
    'bridge.matrix.tokenEnv',
    "the Matrix access token of roshi's account",
  );
  return new MatrixProvider(settings, deps, token);
}

interface MatrixCall {
  what: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

class MatrixProvider implements MessagingProvider {
  readonly name = NAME;
  readonly maxLength = MATRIX_MAX_LENGTH;
  private readonly logger: Logger;
  private readonly apiRoot: string;
  private readonly retry: { minMs: number; maxMs: number };
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  /** The room's id: the configured one, or what an alias resolved to on join. */
  private roomId: string | undefined;
  private ownUserId: string | undefined;
  /** Sends that failed transiently, by room and text: a retry of the same text reuses the id. */
  private readonly pendingTxns = new Map<string, { txnId: string; since: number; inFlight: boolean }>();
  private txnCounter = 0;
  private connected = false;
  private readonly txnPrefix = `roshi.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly settings: MatrixSettings,
    private readonly deps: ProviderDeps,
    private readonly token: string,
  ) {
    this.logger = providerLogger(deps.logger, NAME);
    this.apiRoot = settings.homeserverUrl.replace(/\/+$/, '');
    this.retry = deps.retry ?? DEFAULT_RETRY;
    this.roomId = settings.roomId.startsWith('!') ? settings.roomId : undefined;
    this.ownUserId = settings.userId === '' ? undefined : settings.userId;
  }

  get defaultChatId(): string {
    return this.roomId ?? this.settings.roomId;
  }

  async start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void> {
    if (this.loop) throw new Error('matrix provider already started');
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    let since = await this.deps.cursor.load();
    if (since === '') since = undefined;
    try {
      await this.connect(signal);
      if (since === undefined) since = await this.skipHistory(signal, START_CALL_TIMEOUT_MS);
    } catch (error) {
      if (error instanceof RequestAborted) return;
      if (error instanceof ProviderError && !error.transient) throw error;
      this.logger.warn({ err: errorText(error) }, 'matrix: cannot reach the homeserver yet; will keep trying');
    }
    if (signal.aborted) return; // stop() came while starting
    this.loop = this.receive(onMessage, since);
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  async send(message: OutboundMessage): Promise<void> {
    if (message.text.trim() === '') throw new ProviderError('matrix: refusing to send an empty message', NAME, false);
    const roomId = message.chatId ?? this.defaultChatId;
    const content = { msgtype: 'm.text', body: message.text };
    if (Buffer.byteLength(JSON.stringify(content)) > MAX_CONTENT_BYTES) {
      throw new ProviderError(
        `matrix: message too large for one event (${message.text.length} characters; split it below ${MATRIX_MAX_LENGTH})`,
        NAME,
        false,
      );
    }
    const key = `${roomId}\n${message.text}`;
    const entry = this.transaction(key);
    try {
      await this.call({
        what: 'send',
        method: 'PUT',
        path: `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(entry.txnId)}`,
        body: content,
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
    } catch (error) {
      entry.inFlight = false;
      // Only a transient failure may have reached the homeserver; a refusal posted nothing.
      if (!(error instanceof ProviderError && error.transient)) this.pendingTxns.delete(key);
      throw error;
    }
    this.pendingTxns.delete(key);
  }

  /**
   * The transaction id for a send. The bridge retries a failed send with the same text (as a new
   * OutboundMessage object), so the id of a send that failed transiently, perhaps after the
   * homeserver had stored the event, is reused for the same room and text within 10 minutes:
   * the homeserver then answers with the first event instead of posting a duplicate.
   */
  private transaction(key: string): { txnId: string; since: number; inFlight: boolean } {
    const now = Date.now();
    for (const [k, e] of this.pendingTxns) {
      if (now - e.since > TXN_REUSE_MS || this.pendingTxns.size > TXN_MAX_PENDING) this.pendingTxns.delete(k);
    }
    const pending = this.pendingTxns.get(key);
    if (pending && !pending.inFlight) {
      pending.inFlight = true;
      return pending;
    }
    const fresh = { txnId: `${this.txnPrefix}.${++this.txnCounter}`, since: now, inFlight: true };
    // An identical send already in flight keeps its own entry; this one gets a fresh id.
    if (!pending) this.pendingTxns.set(key, fresh);
    return fresh;
  }

  async typing(chatId: string): Promise<void> {
    if (this.ownUserId === undefined) return;
    try {
      await this.call({
        what: 'typing',
        method: 'PUT',
        path: `/rooms/${encodeURIComponent(chatId)}/typing/${encodeURIComponent(this.ownUserId)}`,
        body: { typing: true, timeout: 10_000 },
        timeoutMs: 10_000,
      });
    } catch (error) {
      this.logger.debug({ err: errorText(error) }, 'matrix: typing notice failed');
    }
  }

  /** Who we are (to ignore our own messages) and membership of the room. */
  private async connect(signal: AbortSignal): Promise<void> {
    await this.whoami(signal);
    await this.join(signal);
    this.connected = true;
    this.logger.info({ user: this.ownUserId, room: this.roomId }, 'matrix: connected');
  }

  private async whoami(signal: AbortSignal): Promise<void> {
    const answer = await this.call({
      what: 'whoami',
      method: 'GET',
      path: '/account/whoami',
      signal,
      timeoutMs: START_CALL_TIMEOUT_MS,
    });
    const userId = str(field(answer, 'user_id'));
    if (userId === undefined) return;
    if (this.ownUserId !== undefined && this.ownUserId !== userId) {
      this.logger.warn(
        { configured: this.ownUserId, owner: userId },
        "matrix: bridge.matrix.userId is not the access token's owner; using the owner",
      );
    }
    this.ownUserId = userId;
  }

  /** Joins the room (idempotent; accepts a pending invite) and learns an alias's room id. */
  private async join(signal: AbortSignal): Promise<void> {
    const answer = await this.call({
      what: 'join',
      method: 'POST',
      path: `/join/${encodeURIComponent(this.settings.roomId)}`,
      body: {},
      signal,
      timeoutMs: START_CALL_TIMEOUT_MS,
    });
    const roomId = str(field(answer, 'room_id'));
    if (roomId !== undefined) this.roomId = roomId;
  }

  /** First start: one sync whose timeline is not delivered; its next_batch is the cursor. */
  private async skipHistory(signal: AbortSignal, timeoutMs = REQUEST_TIMEOUT_MS): Promise<string | undefined> {
    const answer = await this.call({
      what: '/sync',
      method: 'GET',
      path: '/sync',
      query: { timeout: '0', filter: this.filter(1) },
      signal,
      timeoutMs,
    });
    const nextBatch = str(field(answer, 'next_batch'));
    if (nextBatch === undefined) throw new ProviderError('matrix: /sync answered without next_batch', NAME, true);
    await saveCursor(this.deps.cursor, nextBatch, this.logger);
    this.logger.info('matrix: first start: room history skipped');
    return nextBatch;
  }

  private filter(timelineLimit: number): string {
    const rooms = this.roomId ? [this.roomId] : undefined;
    return JSON.stringify({
      presence: { types: [] },
      account_data: { types: [] },
      room: {
        ...(rooms ? { rooms } : {}),
        timeline: { types: ['m.room.message'], limit: timelineLimit },
        state: { types: [] },
        ephemeral: { types: [] },
        account_data: { types: [] },
      },
    });
  }

  private async receive(
    onMessage: (message: InboundMessage) => Promise<void>,
    initialSince: string | undefined,
  ): Promise<void> {
    const signal = this.stopController.signal;
    let since = initialSince;
    let failures = 0;
    while (!signal.aborted) {
      let events: unknown[];
      let nextBatch: string | undefined;
      try {
        if (!this.connected) await this.connect(signal);
        if (since === undefined) {
          since = await this.skipHistory(signal);
          continue;
        }
        const answer = await this.call({
          what: '/sync',
          method: 'GET',
          path: '/sync',
          query: { since, timeout: String(SYNC_TIMEOUT_MS), filter: this.filter(TIMELINE_LIMIT) },
          timeoutMs: SYNC_TIMEOUT_MS + 15_000,
          signal,
        });
        nextBatch = str(field(answer, 'next_batch'));
        if (nextBatch === undefined) throw new ProviderError('matrix: /sync answered without next_batch', NAME, true);
        events = await this.roomEvents(answer, since, signal);
        failures = 0;
      } catch (error) {
        if (error instanceof RequestAborted || signal.aborted) break;
        failures++;
        const wait = backoffMs(failures, this.retry, error);
        const level = error instanceof ProviderError && !error.transient ? 'error' : 'warn';
        this.logger[level]({ err: errorText(error), failures, retryInMs: wait }, 'matrix: /sync failed');
        await sleep(wait, { signal });
        continue;
      }
      // The batch is handed over whole, even when stop() comes in between: `since` can only
      // move past all of it.
      for (const event of events) {
        const message = this.toInbound(event);
        if (message) await deliver(onMessage, message, this.logger, NEVER);
      }
      since = nextBatch;
      await saveCursor(this.deps.cursor, since, this.logger);
    }
  }

  /** The room's timeline events of one sync, with a `limited` gap read back from /messages. */
  private async roomEvents(answer: unknown, since: string, signal: AbortSignal): Promise<unknown[]> {
    if (this.roomId === undefined) return [];
    const timeline = field(field(field(field(answer, 'rooms'), 'join'), this.roomId), 'timeline');
    const events = field(timeline, 'events');
    const recent = Array.isArray(events) ? events : [];
    const prevBatch = str(field(timeline, 'prev_batch'));
    if (field(timeline, 'limited') !== true || prevBatch === undefined) return recent;
    const older: unknown[] = [];
    let from = prevBatch;
    for (let page = 0; page < GAP_MAX_PAGES; page++) {
      const chunkAnswer = await this.call({
        what: '/messages',
        method: 'GET',
        path: `/rooms/${encodeURIComponent(this.roomId)}/messages`,
        query: {
          dir: 'b',
          from,
          to: since,
          limit: String(TIMELINE_LIMIT),
          filter: JSON.stringify({ types: ['m.room.message'] }),
        },
        signal,
      });
      const chunk = field(chunkAnswer, 'chunk');
      if (Array.isArray(chunk)) older.push(...chunk);
      const end = str(field(chunkAnswer, 'end'));
      if (!Array.isArray(chunk) || chunk.length === 0 || end === undefined || end === from) break;
      from = end;
    }
    this.logger.info({ recovered: older.length }, 'matrix: timeline gap after an absence read back');
    const seen = new Set(recent.map((e) => str(field(e, 'event_id'))));
    return [...older.reverse().filter((e) => !seen.has(str(field(e, 'event_id')))), ...recent];
  }

  private toInbound(event: unknown): InboundMessage | undefined {
    if (field(event, 'type') !== 'm.room.message') return undefined;
    const content = field(event, 'content');
    if (field(content, 'msgtype') !== 'm.text') return undefined;
    const sender = str(field(event, 'sender'));
    const eventId = str(field(event, 'event_id'));
    let body = str(field(content, 'body'));
    if (sender === undefined || eventId === undefined || body === undefined || this.roomId === undefined)
      return undefined;
    if (sender === this.ownUserId) return undefined;
    if (field(field(event, 'unsigned'), 'redacted_because') !== undefined) return undefined;
    const relation = field(content, 'm.relates_to');
    if (field(relation, 'rel_type') === 'm.replace') return undefined; // an edit
    if (field(relation, 'm.in_reply_to') !== undefined) body = stripReplyFallback(body);
    return {
      provider: NAME,
      chatId: this.roomId,
      userId: sender,
      text: body,
      messageId: eventId,
      at: num(field(event, 'origin_server_ts')) ?? Date.now(),
    };
  }

  private async call(call: MatrixCall): Promise<unknown> {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const response = await requestJson({
      provider: NAME,
      what: call.what,
      method: call.method,
      url: `${this.apiRoot}/_matrix/client/v3${call.path}${query}`,
      headers: { authorization: `Bearer ${this.token}` },
      ...(call.body !== undefined ? { body: call.body } : {}),
      timeoutMs: call.timeoutMs ?? REQUEST_TIMEOUT_MS,
      ...(call.signal ? { signal: call.signal } : {}),
      secrets: [this.token],
    });
    if (response.status >= 200 && response.status < 300) return response.body;
    const body = response.body;
    const errcode = str(field(body, 'errcode')) ?? `HTTP ${response.status}`;
    const text = str(field(body, 'error')) ?? '';
    const scrub = (message: string) => redact(message, [this.token]);
    const describe = `${response.status} ${errcode}${text ? `: ${text}` : ''}`;
    if (response.status === 429 || errcode === 'M_LIMIT_EXCEEDED') {
      const retryAfterMs = num(field(body, 'retry_after_ms')) ?? retryAfterHeaderMs(response.headers) ?? 1_000;
      throw new ProviderError(scrub(`matrix: ${call.what} rate limited: ${describe}`), NAME, true, retryAfterMs);
    }
    if (response.status >= 500) throw new ProviderError(scrub(`matrix: ${call.what} failed: ${describe}`), NAME, true);
    const hint =
      errcode === 'M_UNKNOWN_TOKEN' || errcode === 'M_MISSING_TOKEN'
        ? ` (check the access token in ${this.settings.tokenEnv})`
        : errcode === 'M_FORBIDDEN' && (call.what === 'join' || call.what === 'send')
          ? ` (invite ${this.ownUserId ?? "roshi's account"} to ${this.settings.roomId})`
          : '';
    throw new ProviderError(scrub(`matrix: ${call.what} refused: ${describe}${hint}`), NAME, false);
  }
}

/** Cuts the "> <@user> quoted line" fallback a reply starts with (older clients still send it). */
export function stripReplyFallback(body: string): string {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i] ?? '').startsWith('>')) i++;
  if (i === 0) return body;
  if (lines[i] === '') i++;
  return lines.slice(i).join('\n');
}
