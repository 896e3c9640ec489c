// Reading a Matrix room's timeline (https://spec.matrix.org/latest/client-server-api/#syncing):
// the /sync filter, the room's events of one sync with a `limited` gap read back from /messages,
// and which events are messages for the bridge: m.text from others, not edits nor redacted
// events, a reply's quoted fallback cut off. See docs/providers.md#matrix.
import { field, num, str } from './http.js';
import type { InboundMessage } from './types.js';

export const TIMELINE_LIMIT = 100;
const GAP_MAX_PAGES = 20;

/** The /sync filter: only m.room.message timelines, of `roomId` once it is known. */
export function syncFilter(roomId: string | undefined, timelineLimit: number): string {
  const rooms = roomId ? [roomId] : undefined;
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

/** One page of /messages going back: `from` the token, up `to` the last sync's `since`. */
export type MessagesPage = (query: Record<string, string>) => Promise<unknown>;

/** The room's timeline events of one sync, with a `limited` gap read back page by page. */
export async function roomEvents(
  answer: unknown,
  roomId: string,
  since: string,
  page: MessagesPage,
): Promise<{ events: unknown[]; recovered?: number }> {
  const timeline = field(field(field(field(answer, 'rooms'), 'join'), roomId), 'timeline');
  const events = field(timeline, 'events');
  const recent = Array.isArray(events) ? events : [];
  const prevBatch = str(field(timeline, 'prev_batch'));
  if (field(timeline, 'limited') !== true || prevBatch === undefined) return { events: recent };
  const older: unknown[] = [];
  let from = prevBatch;
  for (let n = 0; n < GAP_MAX_PAGES; n++) {
    const chunkAnswer = await page({
      dir: 'b',
      from,
      to: since,
      limit: String(TIMELINE_LIMIT),
      filter: JSON.stringify({ types: ['m.room.message'] }),
    });
    const chunk = field(chunkAnswer, 'chunk');
    if (Array.isArray(chunk)) older.push(...chunk);
    const end = str(field(chunkAnswer, 'end'));
    if (!Array.isArray(chunk) || chunk.length === 0 || end === undefined || end === from) break;
    from = end;
  }
  const seen = new Set(recent.map((e) => str(field(e, 'event_id'))));
  const gap = older.reverse().filter((e) => !seen.has(str(field(e, 'event_id'))));
  return { events: [...gap, ...recent], recovered: older.length };
}

/** The message an event is for the bridge, or undefined (not m.text, ours, an edit, redacted). */
export function toInbound(
  event: unknown,
  roomId: string | undefined,
  ownUserId: string | undefined,
): InboundMessage | undefined {
  if (field(event, 'type') !== 'm.room.message') return undefined;
  const content = field(event, 'content');
  if (field(content, 'msgtype') !== 'm.text') return undefined;
  const sender = str(field(event, 'sender'));
  const eventId = str(field(event, 'event_id'));
  let body = str(field(content, 'body'));
  if (sender === undefined || eventId === undefined || body === undefined || roomId === undefined) return undefined;
  if (sender === ownUserId) return undefined;
  if (field(field(event, 'unsigned'), 'redacted_because') !== undefined) return undefined;
  const relation = field(content, 'm.relates_to');
  if (field(relation, 'rel_type') === 'm.replace') return undefined; // an edit
  if (field(relation, 'm.in_reply_to') !== undefined) body = stripReplyFallback(body);
  return {
    provider: 'matrix',
    chatId: roomId,
    userId: sender,
    text: body,
    messageId: eventId,
    at: num(field(event, 'origin_server_ts')) ?? Date.now(),
  };
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
