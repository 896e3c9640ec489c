// Matrix provider (client-server API v3, https://spec.matrix.org/latest/client-server-api/):
// /sync long polling in, PUT …/send/m.room.message/{txnId} out. The cursor is `since`, saved
// after each batch is handed over; a first start without one skips the room's history. stop()
// lets the batch being handed over finish: a `since` covers a whole batch. Sends reuse a failed
// send's transaction id (matrixTransactions.ts) so the homeserver deduplicates; the content
// (matrixHtml.ts) has the text in `body` as is, Markdown also as HTML, and the message a reply
// answers. 429 → retry_after_ms; 5xx, network → transient; other 4xx → permanent.
// See docs/providers.md#matrix.
import type { RoshiConfig } from '../../config/schema.js';
import { refuseEmptyText } from './apiErrors.js';
import { START_CALL_TIMEOUT_MS, deliver, errorText, field, saveCursor, str, type ProviderDeps } from './http.js';
import { MATRIX_REQUEST_TIMEOUT_MS as REQUEST_TIMEOUT_MS, MatrixApi } from './matrixApi.js';
import { matrixContent } from './matrixHtml.js';
import { TIMELINE_LIMIT, roomEvents, syncFilter, toInbound } from './matrixTimeline.js';
import { MatrixTransactions } from './matrixTransactions.js';
import { readToken, requireSetting } from './providerSettings.js';
import { PollingProvider } from './pollingProvider.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

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
const NEVER = new AbortController().signal;

const EXPECTED = {
  homeserverUrl:
    'the client-server API root of the homeserver, e.g. https://matrix.example.org (the matrix provider is listed in bridge.providers)',
  roomId: 'a room id such as !abc:example.org (Room settings → Advanced) or an alias such as #roshi:example.org',
  userId: 'a user id such as @roshi:example.org, or "" to ask the homeserver',
};

export function createMatrixProvider(settings: MatrixSettings, deps: ProviderDeps): MessagingProvider {
  const { homeserverUrl, roomId, userId } = settings;
  requireSetting('bridge.matrix.homeserverUrl', homeserverUrl, homeserverUrl !== '', EXPECTED.homeserverUrl);
  requireSetting('bridge.matrix.roomId', roomId, /^[!#][^:]+:.+$/.test(roomId), EXPECTED.roomId);
  requireSetting('bridge.matrix.userId', userId, userId === '' || /^@[^:]+:.+$/.test(userId), EXPECTED.userId);
  const what = "the Matrix access token of roshi's account";
  return new MatrixProvider(settings, deps, readToken(deps.env, settings.tokenEnv, 'bridge.matrix.tokenEnv', what));
}

interface SyncBatch {
  events: unknown[];
  nextBatch: string;
}

class MatrixProvider extends PollingProvider<SyncBatch> {
  private readonly api: MatrixApi;
  private readonly transactions = new MatrixTransactions();
  /** The room's id: the configured one, or what an alias resolved to on join. */
  private roomId: string | undefined;
  private ownUserId: string | undefined;
  private since: string | undefined;
  private connected = false;

  constructor(
    private readonly settings: MatrixSettings,
    deps: ProviderDeps,
    token: string,
  ) {
    super(NAME, MATRIX_MAX_LENGTH, deps, 'matrix: cannot reach the homeserver yet; will keep trying');
    this.api = new MatrixApi(settings, token, () => this.ownUserId);
    this.roomId = settings.roomId.startsWith('!') ? settings.roomId : undefined;
    this.ownUserId = settings.userId === '' ? undefined : settings.userId;
  }

  get defaultChatId(): string {
    return this.roomId ?? this.settings.roomId;
  }

  async send(message: OutboundMessage): Promise<void> {
    refuseEmptyText(NAME, message);
    const roomId = message.chatId ?? this.defaultChatId;
    let content = matrixContent(message);
    // HTML can be six times the text ('"' is &quot;): past the limit, the text alone goes.
    if (Buffer.byteLength(JSON.stringify(content)) > MAX_CONTENT_BYTES) content = matrixContent(message, false);
    if (Buffer.byteLength(JSON.stringify(content)) > MAX_CONTENT_BYTES) {
      throw new ProviderError(
        `matrix: message too large for one event (${message.text.length} characters; split it below ${MATRIX_MAX_LENGTH})`,
        NAME,
        false,
      );
    }
    await this.transactions.send(
      roomId,
      JSON.stringify(content),
      async (txnId) => {
        await this.api.call({
          what: 'send',
          method: 'PUT',
          path: `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(txnId)}`,
          body: content,
          timeoutMs: REQUEST_TIMEOUT_MS,
        });
      },
      (error) => error instanceof ProviderError && error.transient,
    );
  }

  async typing(chatId: string): Promise<void> {
    if (this.ownUserId === undefined) return;
    try {
      await this.api.call({
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
  protected async connect(signal: AbortSignal): Promise<void> {
    await this.whoami(signal);
    await this.join(signal);
    this.connected = true;
    this.logger.info({ user: this.ownUserId, room: this.roomId }, 'matrix: connected');
  }

  private async whoami(signal: AbortSignal): Promise<void> {
    const answer = await this.api.call({
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
    const answer = await this.api.call({
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
    const answer = await this.api.call({
      what: '/sync',
      method: 'GET',
      path: '/sync',
      query: { timeout: '0', filter: syncFilter(this.roomId, 1) },
      signal,
      timeoutMs,
    });
    const nextBatch = str(field(answer, 'next_batch'));
    if (nextBatch === undefined) throw new ProviderError('matrix: /sync answered without next_batch', NAME, true);
    await saveCursor(this.deps.cursor, nextBatch, this.logger);
    this.logger.info('matrix: first start: room history skipped');
    return nextBatch;
  }

  /** A first start (no cursor) skips the room's history, once connect() got through. */
  protected async resume(signal: AbortSignal): Promise<void> {
    this.since = (await this.deps.cursor.load()) || undefined;
    if (this.since !== undefined || !this.connected) return;
    await this.startupStep(async () => {
      this.since = await this.skipHistory(signal, START_CALL_TIMEOUT_MS);
    }, this.unreachable);
  }

  protected loopShape() {
    return { what: '/sync' };
  }

  protected async poll(signal: AbortSignal): Promise<SyncBatch> {
    if (!this.connected) await this.connect(signal);
    if (this.since === undefined) this.since = await this.skipHistory(signal);
    const since = this.since as string;
    const answer = await this.api.call({
      what: '/sync',
      method: 'GET',
      path: '/sync',
      query: { since, timeout: String(SYNC_TIMEOUT_MS), filter: syncFilter(this.roomId, TIMELINE_LIMIT) },
      timeoutMs: SYNC_TIMEOUT_MS + 15_000,
      signal,
    });
    const nextBatch = str(field(answer, 'next_batch'));
    if (nextBatch === undefined) throw new ProviderError('matrix: /sync answered without next_batch', NAME, true);
    return { events: await this.roomEvents(answer, since, signal), nextBatch };
  }

  /** The batch is handed over whole, even when stop() comes in between: `since` covers all of it. */
  protected async handOver(batch: SyncBatch, onMessage: (message: InboundMessage) => Promise<void>): Promise<boolean> {
    for (const event of batch.events) {
      const message = toInbound(event, this.roomId, this.ownUserId);
      if (message) await deliver(onMessage, message, this.logger, NEVER);
    }
    this.since = batch.nextBatch;
    await saveCursor(this.deps.cursor, this.since, this.logger);
    return true;
  }

  private async roomEvents(answer: unknown, since: string, signal: AbortSignal): Promise<unknown[]> {
    const roomId = this.roomId;
    if (roomId === undefined) return [];
    const path = `/rooms/${encodeURIComponent(roomId)}/messages`;
    const read = await roomEvents(answer, roomId, since, (query) =>
      this.api.call({ what: '/messages', method: 'GET', path, query, signal }),
    );
    if (read.recovered !== undefined)
      this.logger.info({ recovered: read.recovered }, 'matrix: timeline gap after an absence read back');
    return read.events;
  }
}
