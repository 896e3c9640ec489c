// A local stand-in for a Matrix homeserver's client-server API v3 (node:http on 127.0.0.1,
// random port), answering in the shapes of https://spec.matrix.org/latest/client-server-api/:
//   GET  /_matrix/client/v3/account/whoami                → { user_id, device_id }
//   POST /_matrix/client/v3/join/{roomIdOrAlias}          → { room_id }
//   GET  /_matrix/client/v3/sync?since&timeout&filter     → { next_batch, rooms: { join: { [roomId]:
//          { timeline: { events, limited, prev_batch } } } } }   (real long polling)
//   GET  /_matrix/client/v3/rooms/{roomId}/messages?dir=b&from&to&limit → { chunk, start, end? }
//   PUT  /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId} → { event_id }
//          (idempotent per access token and txnId, as the spec requires; a fault can be set to
//          strike after the event was stored, as when an answer is lost on the way)
//   PUT  /_matrix/client/v3/rooms/{roomId}/typing/{userId} → {}
// Errors are { errcode, error } (429 adds retry_after_ms). Access token: `Authorization: Bearer`.
// Only the timeline `limit` of a filter is honoured: the rest (rooms, types) is left to the
// client, so its own filtering is exercised. Faults are injected with failNext.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFake, readBody, sendJson } from './httpFake.js';

export interface MatrixEvent {
  type: string;
  event_id: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  room_id?: string;
  unsigned?: Record<string, unknown>;
}

interface StoredEvent {
  pos: number;
  roomId: string;
  event: MatrixEvent;
}

export interface RecordedMatrixRequest {
  method: string;
  /** Path without the /_matrix/client/v3 prefix, query included. */
  path: string;
  authorized: boolean;
  body: unknown;
  at: number;
}

export interface MatrixFault {
  status: number;
  errcode: string;
  error: string;
  retryAfterMs?: number;
  times?: number;
  /** send only: store the event first, then answer with the fault (an answer lost on the way). */
  afterProcessing?: boolean;
}

export interface FakeMatrix {
  /** The homeserverUrl to configure. */
  url: string;
  token: string;
  userId: string;
  roomId: string;
  requests: RecordedMatrixRequest[];
  /** Events the client sent (PUT …/send), once per transaction id. */
  sent: Array<{ roomId: string; txnId: string; eventId: string; content: Record<string, unknown> }>;
  typing: Array<{ roomId: string; userId: string; typing: boolean }>;
  /** Someone writes in a room (default: the fake's room); returns the event. */
  postText(
    sender: string,
    body: string,
    options?: { roomId?: string; msgtype?: string; content?: Record<string, unknown>; type?: string },
  ): MatrixEvent;
  /** Rooms the client has joined. */
  joined: Set<string>;
  failNext(route: 'sync' | 'send' | 'whoami' | 'join' | 'messages' | 'typing', fault: MatrixFault): void;
  stop(): Promise<void>;
}

const PREFIX = '/_matrix/client/v3';

export async function startFakeMatrix(
  options: { token?: string; userId?: string; roomId?: string; serverName?: string } = {},
): Promise<FakeMatrix> {
  const serverName = options.serverName ?? 'fake.test';
  const token = options.token ?? 'syt_cm9zaGk_FakeMatrixAccessToken_0Abc12';
  const userId = options.userId ?? `@roshi:${serverName}`;
  const roomId = options.roomId ?? `!ops:${serverName}`;
  const requests: RecordedMatrixRequest[] = [];
  const sent: FakeMatrix['sent'] = [];
  const typing: FakeMatrix['typing'] = [];
  const joined = new Set<string>();
  const stream: StoredEvent[] = [];
  const txns = new Map<string, string>();
  const faults = new Map<string, Array<MatrixFault & { remaining: number }>>();
  const waiters = new Set<() => void>();
  let pos = 0;
  let eventCounter = 0;

  const send = (res: ServerResponse, status: number, body: unknown): void => sendJson(res, status, body);
  const tokenPos = (token: string | null, prefix: string): number | undefined => {
    if (token === null || !token.startsWith(prefix)) return undefined;
    const n = Number(token.slice(prefix.length));
    return Number.isSafeInteger(n) ? n : undefined;
  };

  function append(room: string, event: Omit<MatrixEvent, 'event_id' | 'origin_server_ts'>): MatrixEvent {
    const full: MatrixEvent = {
      ...event,
      event_id: `$ev${++eventCounter}_${Math.random().toString(36).slice(2, 8)}`,
      origin_server_ts: Date.now(),
    };
    stream.push({ pos: ++pos, roomId: room, event: full });
    for (const wake of [...waiters]) wake();
    return full;
  }

  function syncBody(since: number | undefined, limit: number): unknown {
    const join: Record<string, unknown> = {};
    for (const room of joined) {
      const all = stream.filter((s) => s.roomId === room && (since === undefined || s.pos > since));
      const shown = all.slice(-limit);
      if (since !== undefined && shown.length === 0) continue;
      const first = shown[0];
      join[room] = {
        timeline: {
          events: shown.map((s) => s.event),
          limited: all.length > shown.length,
          prev_batch: `t${first ? first.pos - 1 : pos}`,
        },
        state: { events: [] },
        ephemeral: { events: [] },
        account_data: { events: [] },
        unread_notifications: { highlight_count: 0, notification_count: 0 },
      };
    }
    return {
      next_batch: `s${pos}`,
      rooms: { join, invite: {}, leave: {} },
      presence: { events: [] },
      account_data: { events: [] },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const full = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(res, 400, { errcode: 'M_NOT_JSON', error: 'Content not JSON.' });
      }
    }
    const auth = req.headers.authorization;
    const authorized = auth === `Bearer ${token}`;
    const path = full.pathname.startsWith(PREFIX) ? full.pathname.slice(PREFIX.length) : full.pathname;
    requests.push({ method, path: path + full.search, authorized, body, at: Date.now() });
    if (!full.pathname.startsWith(PREFIX))
      return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    if (auth === undefined) return send(res, 401, { errcode: 'M_MISSING_TOKEN', error: 'Missing access token.' });
    if (!authorized)
      return send(res, 401, { errcode: 'M_UNKNOWN_TOKEN', error: 'Unrecognised access token.', soft_logout: false });

    const segments = path.split('/').slice(1).map(decodeURIComponent);
    const route =
      segments[0] === 'sync'
        ? 'sync'
        : segments[0] === 'account' && segments[1] === 'whoami'
          ? 'whoami'
          : segments[0] === 'join'
            ? 'join'
            : segments[0] === 'rooms' && segments[2] === 'send'
              ? 'send'
              : segments[0] === 'rooms' && segments[2] === 'messages'
                ? 'messages'
                : segments[0] === 'rooms' && segments[2] === 'typing'
                  ? 'typing'
                  : undefined;
    const queue = route ? faults.get(route) : undefined;
    const fault = queue?.[0];
    let lateFault: MatrixFault | undefined;
    if (queue && fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      if (fault.afterProcessing && route === 'send') lateFault = fault;
      else
        return send(res, fault.status, {
          errcode: fault.errcode,
          error: fault.error,
          ...(fault.retryAfterMs !== undefined ? { retry_after_ms: fault.retryAfterMs } : {}),
        });
    }

    switch (route) {
      case 'whoami':
        return send(res, 200, { user_id: userId, device_id: 'ROSHIDEVICE', is_guest: false });
      case 'join': {
        const target = segments[1] ?? '';
        const resolved = target.startsWith('#') ? (target === `#ops:${serverName}` ? roomId : undefined) : target;
        if (resolved === undefined) return send(res, 404, { errcode: 'M_NOT_FOUND', error: 'Room alias not found' });
        if (resolved !== roomId && !joined.has(resolved))
          return send(res, 403, { errcode: 'M_FORBIDDEN', error: 'You are not invited to this room.' });
        joined.add(resolved);
        return send(res, 200, { room_id: resolved });
      }
      case 'sync': {
        if (method !== 'GET') break;
        let limit = 10;
        const filter = full.searchParams.get('filter');
        if (filter?.startsWith('{')) {
          const parsed = JSON.parse(filter) as { room?: { timeline?: { limit?: number } } };
          limit = parsed.room?.timeline?.limit ?? limit;
        }
        const sinceParam = full.searchParams.get('since');
        const since = sinceParam === null ? undefined : tokenPos(sinceParam, 's');
        if (sinceParam !== null && since === undefined)
          return send(res, 400, { errcode: 'M_INVALID_PARAM', error: 'Invalid since token' });
        const timeout = Math.max(0, Number(full.searchParams.get('timeout') ?? 0) || 0);
        const hasNew = () => since === undefined || stream.some((s) => s.pos > since && joined.has(s.roomId));
        if (hasNew() || timeout === 0) return send(res, 200, syncBody(since, limit));
        await new Promise<void>((resolve) => {
          const wake = () => {
            if (!hasNew() && !res.destroyed) return;
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(() => {
            waiters.delete(wake);
            resolve();
          }, timeout);
          waiters.add(wake);
          res.on('close', () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          });
        });
        return send(res, 200, syncBody(since, limit));
      }
      case 'messages': {
        const room = segments[1] ?? '';
        if (!joined.has(room)) return send(res, 403, { errcode: 'M_FORBIDDEN', error: 'User not in room' });
        const from = tokenPos(full.searchParams.get('from'), 't') ?? tokenPos(full.searchParams.get('from'), 's');
        const to = tokenPos(full.searchParams.get('to'), 's') ?? tokenPos(full.searchParams.get('to'), 't') ?? 0;
        const limit = Math.max(1, Number(full.searchParams.get('limit') ?? 10) || 10);
        if (full.searchParams.get('dir') !== 'b' || from === undefined)
          return send(res, 400, { errcode: 'M_INVALID_PARAM', error: 'fake: only dir=b with a from token' });
        const chunk = stream
          .filter((s) => s.roomId === room && s.pos <= from && s.pos > to)
          .sort((a, b) => b.pos - a.pos)
          .slice(0, limit);
        const last = chunk.at(-1);
        const more = last !== undefined && stream.some((s) => s.roomId === room && s.pos < last.pos && s.pos > to);
        return send(res, 200, {
          chunk: chunk.map((s) => s.event),
          start: `t${from}`,
          ...(more && last ? { end: `t${last.pos - 1}` } : {}),
        });
      }
      case 'send': {
        if (method !== 'PUT') break;
        const room = segments[1] ?? '';
        const txnId = segments[4] ?? '';
        if (!joined.has(room))
          return send(res, 403, { errcode: 'M_FORBIDDEN', error: `User ${userId} not in room ${room}` });
        const existing = txns.get(txnId);
        if (existing) return send(res, 200, { event_id: existing });
        const content = (body ?? {}) as Record<string, unknown>;
        if (Buffer.byteLength(raw) > 65_536)
          return send(res, 413, { errcode: 'M_TOO_LARGE', error: 'event too large' });
        const event = append(room, { type: segments[3] ?? 'm.room.message', sender: userId, content, room_id: room });
        txns.set(txnId, event.event_id);
        sent.push({ roomId: room, txnId, eventId: event.event_id, content });
        if (lateFault) return send(res, lateFault.status, { errcode: lateFault.errcode, error: lateFault.error });
        return send(res, 200, { event_id: event.event_id });
      }
      case 'typing': {
        const room = segments[1] ?? '';
        const who = segments[3] ?? '';
        if (who !== userId) return send(res, 403, { errcode: 'M_FORBIDDEN', error: 'Cannot set another user typing' });
        typing.push({ roomId: room, userId: who, typing: (body as { typing?: boolean } | undefined)?.typing === true });
        return send(res, 200, {});
      }
      default:
        break;
    }
    return send(res, 404, { errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
  }

  const http = await HttpFake.listen(handle, (res, error) =>
    send(res, 500, { errcode: 'M_UNKNOWN', error: `fake matrix: ${String(error)}` }),
  );
  const url = http.url;

  return {
    url,
    token,
    userId,
    roomId,
    requests,
    sent,
    typing,
    joined,
    postText(sender, text, opts = {}) {
      const room = opts.roomId ?? roomId;
      return append(room, {
        type: opts.type ?? 'm.room.message',
        sender,
        room_id: room,
        content: { msgtype: opts.msgtype ?? 'm.text', body: text, ...opts.content },
      });
    },
    failNext(route, fault) {
      const queue = faults.get(route) ?? [];
      queue.push({ ...fault, remaining: fault.times ?? 1 });
      faults.set(route, queue);
    },
    async stop() {
      for (const wake of [...waiters]) wake();
      await http.close();
    },
  };
}
