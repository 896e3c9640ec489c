// A local stand-in for the Telegram Bot API (node:http on 127.0.0.1, random port), answering in
// the documented shapes (https://core.telegram.org/bots/api#making-requests):
//   success  { ok: true, result }
//   failure  { ok: false, error_code, description, parameters?: { retry_after, migrate_to_chat_id } }
// Requests go to /bot<token>/<method> with a JSON body (query parameters are merged in too).
// A wrong token answers 401 "Unauthorized", an unknown method 404 "Not Found".
//
// Methods: getMe, getUpdates (real long polling: held until an update arrives or `timeout`
// seconds pass; `offset` confirms and forgets earlier updates; a second concurrent poll ends the
// first with 409 Conflict, as Telegram does), sendMessage (text 1..4096 characters after entity
// parsing; parse_mode MarkdownV2 is parsed by the rules of
// https://core.telegram.org/bots/api#markdownv2-style and refused with "can't parse entities"
// as Telegram does; reply_parameters and reply_markup.inline_keyboard are checked and recorded),
// sendChatAction, setMyCommands (checked and recorded), answerCallbackQuery (for presses made
// with pressButton, each answerable once). Faults are injected with failNext. Recorded requests
// never carry the token. One file past 300 lines: the Bot API stand-in and the MarkdownV2 parser
// it judges sends with are one fake.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFake, readBody, sendJson } from './httpFake.js';

export interface TelegramUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface TelegramMessage {
  message_id: number;
  from?: TelegramUser;
  chat: {
    id: number;
    type: 'private' | 'group' | 'supergroup' | 'channel';
    title?: string;
    username?: string;
    first_name?: string;
  };
  date: number;
  text?: string;
  [key: string]: unknown;
}

export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  /** A press on an inline button (pressButton). */
  callback_query?: { id: string; from: TelegramUser; message?: TelegramMessage; data?: string; chat_instance: string };
  [key: string]: unknown;
}

export interface RecordedTelegramRequest {
  method: string;
  /** '/bot[redacted]/<method>' */
  path: string;
  authorized: boolean;
  body: Record<string, unknown>;
  at: number;
}

export interface SentMessage {
  chat_id: string;
  /** The text as sent (with MarkdownV2 escapes, when parse_mode was set). */
  text: string;
  parse_mode?: string;
  /** The text as Telegram shows it (entities parsed). */
  shown: string;
  message_id: number;
  /** reply_parameters.message_id: the message this one replies to. */
  reply_to?: number;
  /** reply_markup.inline_keyboard, as sent. */
  inline_keyboard?: InlineButton[][];
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface TelegramFault {
  status: number;
  description: string;
  /** parameters.retry_after, seconds (for 429). */
  retryAfter?: number;
  /** How many calls fail (default 1). */
  times?: number;
}

export interface FakeTelegram {
  /** The apiUrl to configure (http://127.0.0.1:<port>). */
  url: string;
  token: string;
  bot: TelegramUser;
  requests: RecordedTelegramRequest[];
  /** Accepted sendMessage calls, in order. */
  sent: SentMessage[];
  /** Accepted sendChatAction calls. */
  actions: Array<{ chat_id: string; action: string }>;
  /** The command menu, as the last accepted setMyCommands set it. */
  commands: Array<{ command: string; description: string }> | undefined;
  /** Callback query ids answered with answerCallbackQuery, in order. */
  answeredCallbacks: string[];
  /** A user presses an inline button of a sent message; returns the callback_query update. */
  pressButton(input: { userId: number; message: SentMessage; data: string; username?: string }): TelegramUpdate;
  /** A user writes a text message; returns the update queued for the bot. */
  pushMessage(input: {
    chatId: number;
    userId: number;
    text: string;
    username?: string;
    firstName?: string;
    chatType?: TelegramMessage['chat']['type'];
    isBot?: boolean;
  }): TelegramUpdate;
  /** Queues any update (update_id assigned). */
  pushUpdate(update: Omit<TelegramUpdate, 'update_id'>): TelegramUpdate;
  /** Updates Telegram still holds: not yet confirmed by a getUpdates offset. */
  pending(): TelegramUpdate[];
  /** The next calls of `method` fail with this answer. */
  failNext(method: string, fault: TelegramFault): void;
  stop(): Promise<void>;
}

interface Waiter {
  offset: number;
  limit: number;
  res: ServerResponse;
  timer: NodeJS.Timeout;
}

export async function startFakeTelegram(options: { token?: string; botUsername?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456789:AAF-fake_Telegram_Token-0123456789ab';
  const bot: TelegramUser = {
    id: Number(token.split(':')[0]) || 42,
    is_bot: true,
    first_name: 'roshi',
    username: options.botUsername ?? 'roshi_test_bot',
  };
  const requests: RecordedTelegramRequest[] = [];
  const sent: SentMessage[] = [];
  const actions: Array<{ chat_id: string; action: string }> = [];
  const answeredCallbacks: string[] = [];
  const openCallbacks = new Set<string>();
  let nextCallbackId = 7_000_000_000;
  let updates: TelegramUpdate[] = [];
  let nextUpdateId = 500_000;
  let nextMessageId = 1;
  const faults = new Map<string, Array<TelegramFault & { remaining: number }>>();
  let waiter: Waiter | undefined;

  const send = (res: ServerResponse, status: number, body: unknown): void => sendJson(res, status, body);
  const ok = (res: ServerResponse, result: unknown) => send(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, status: number, description: string, parameters?: Record<string, unknown>) =>
    send(res, status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });

  function available(offset: number, limit: number): TelegramUpdate[] {
    return updates.filter((u) => u.update_id >= offset).slice(0, limit);
  }

  function wake(): void {
    if (!waiter) return;
    const batch = available(waiter.offset, waiter.limit);
    if (batch.length === 0) return;
    const w = waiter;
    waiter = undefined;
    clearTimeout(w.timer);
    ok(w.res, batch);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const full = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/bot([^/]*)\/([A-Za-z]+)$/.exec(full.pathname);
    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return fail(res, 400, 'Bad Request: invalid JSON');
      }
    }
    for (const [key, value] of full.searchParams) body[key] = body[key] ?? value;
    const method = match?.[2] ?? '';
    const authorized = match?.[1] === token;
    requests.push({ method, path: `/bot[redacted]/${method}`, authorized, body, at: Date.now() });
    if (!match) return fail(res, 404, 'Not Found');
    if (!authorized) return fail(res, 401, 'Unauthorized');

    const queue = faults.get(method);
    const fault = queue?.[0];
    if (queue && fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      return fail(
        res,
        fault.status,
        fault.description,
        fault.retryAfter !== undefined ? { retry_after: fault.retryAfter } : undefined,
      );
    }

    switch (method) {
      case 'getMe':
        return ok(res, {
          ...bot,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0) || 0;
        const limit = Math.min(100, Math.max(1, Number(body.limit ?? 100) || 100));
        const timeout = Math.max(0, Number(body.timeout ?? 0) || 0);
        // An offset confirms every update before it: Telegram forgets them.
        if (offset > 0) updates = updates.filter((u) => u.update_id >= offset);
        if (waiter) {
          const old = waiter;
          waiter = undefined;
          clearTimeout(old.timer);
          fail(
            old.res,
            409,
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
          );
        }
        const batch = available(offset, limit);
        if (batch.length > 0 || timeout === 0) return ok(res, batch);
        const w: Waiter = {
          offset,
          limit,
          res,
          timer: setTimeout(() => {
            if (waiter === w) waiter = undefined;
            ok(res, []);
          }, timeout * 1000),
        };
        waiter = w;
        res.on('close', () => {
          if (waiter === w) {
            clearTimeout(w.timer);
            waiter = undefined;
          }
        });
        return;
      }
      case 'sendMessage': {
        const chatId = body.chat_id;
        if (chatId === undefined || chatId === '') return fail(res, 400, 'Bad Request: chat_id is empty');
        const text = typeof body.text === 'string' ? body.text : '';
        const parseMode = typeof body.parse_mode === 'string' ? body.parse_mode : undefined;
        let shown = text;
        if (parseMode !== undefined) {
          if (parseMode !== 'MarkdownV2')
            return fail(res, 400, `Bad Request: unsupported parse_mode in the fake: ${parseMode}`);
          const parsed = parseMarkdownV2(text);
          if ('error' in parsed) return fail(res, 400, `Bad Request: can't parse entities: ${parsed.error}`);
          shown = parsed.text;
        }
        if (shown.trim() === '') return fail(res, 400, 'Bad Request: message text is empty');
        if (shown.length > 4096) return fail(res, 400, 'Bad Request: message is too long');
        const replyParameters = body.reply_parameters as
          | { message_id?: unknown; allow_sending_without_reply?: unknown }
          | undefined;
        const replyTo = replyParameters === undefined ? undefined : Number(replyParameters.message_id);
        if (replyTo !== undefined && !Number.isSafeInteger(replyTo))
          return fail(res, 400, 'Bad Request: invalid reply_parameters');
        if (replyTo !== undefined && replyTo >= nextMessageId && replyParameters?.allow_sending_without_reply !== true)
          return fail(res, 400, 'Bad Request: message to be replied not found');
        const keyboard = (body.reply_markup as { inline_keyboard?: unknown } | undefined)?.inline_keyboard;
        if (keyboard !== undefined && !validKeyboard(keyboard))
          return fail(res, 400, 'Bad Request: BUTTON_DATA_INVALID');
        const messageId = nextMessageId++;
        sent.push({
          chat_id: String(chatId),
          text,
          ...(parseMode ? { parse_mode: parseMode } : {}),
          shown,
          message_id: messageId,
          ...(replyTo !== undefined ? { reply_to: replyTo } : {}),
          ...(keyboard !== undefined ? { inline_keyboard: keyboard as InlineButton[][] } : {}),
        });
        return ok(res, {
          message_id: messageId,
          from: bot,
          chat: { id: Number(chatId), type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text: shown,
        });
      }
      case 'setMyCommands': {
        const list = body.commands;
        const valid =
          Array.isArray(list) &&
          list.length <= 100 &&
          list.every(
            (c: { command?: unknown; description?: unknown }) =>
              typeof c?.command === 'string' &&
              /^[a-z0-9_]{1,32}$/.test(c.command) &&
              typeof c.description === 'string' &&
              c.description.length >= 1 &&
              c.description.length <= 256,
          );
        if (!valid) return fail(res, 400, 'Bad Request: BOT_COMMAND_INVALID');
        fake.commands = (list as Array<{ command: string; description: string }>).map(({ command, description }) => ({
          command,
          description,
        }));
        return ok(res, true);
      }
      case 'answerCallbackQuery': {
        const id = String(body.callback_query_id ?? '');
        if (!openCallbacks.delete(id))
          return fail(res, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        answeredCallbacks.push(id);
        return ok(res, true);
      }
      case 'sendChatAction': {
        if (body.chat_id === undefined) return fail(res, 400, 'Bad Request: chat_id is empty');
        actions.push({ chat_id: String(body.chat_id), action: String(body.action) });
        return ok(res, true);
      }
      default:
        return fail(res, 404, 'Not Found');
    }
  }

  const http = await HttpFake.listen(handle, (res, error) =>
    send(res, 500, {
      ok: false,
      error_code: 500,
      description: `Internal Server Error: fake telegram: ${String(error)}`,
    }),
  );
  const url = http.url;

  const fake: FakeTelegram = {
    url,
    token,
    bot,
    requests,
    sent,
    actions,
    commands: undefined,
    answeredCallbacks,
    pressButton(input) {
      const buttons = (input.message.inline_keyboard ?? []).flat();
      if (!buttons.some((b) => b.callback_data === input.data))
        throw new Error(`fake telegram: message ${input.message.message_id} has no button ${input.data}`);
      const id = String(nextCallbackId++);
      openCallbacks.add(id);
      const chatId = Number(input.message.chat_id);
      return fake.pushUpdate({
        callback_query: {
          id,
          from: {
            id: input.userId,
            is_bot: false,
            first_name: `User${input.userId}`,
            ...(input.username ? { username: input.username } : {}),
          },
          message: {
            message_id: input.message.message_id,
            from: bot,
            chat: { id: chatId, type: chatId > 0 ? 'private' : 'supergroup' },
            date: Math.floor(Date.now() / 1000),
            text: input.message.shown,
          },
          chat_instance: '-1234567890',
          data: input.data,
        },
      });
    },
    pushUpdate(update) {
      const full = { update_id: nextUpdateId++, ...update } as TelegramUpdate;
      updates.push(full);
      setImmediate(wake);
      return full;
    },
    pushMessage(input) {
      const from: TelegramUser = {
        id: input.userId,
        is_bot: input.isBot ?? false,
        first_name: input.firstName ?? `User${input.userId}`,
        ...(input.username ? { username: input.username } : {}),
      };
      const type = input.chatType ?? (input.chatId === input.userId ? 'private' : 'group');
      return fake.pushUpdate({
        message: {
          message_id: nextMessageId++,
          from,
          chat:
            type === 'private'
              ? { id: input.chatId, type, first_name: from.first_name }
              : { id: input.chatId, type, title: 'roshi ops' },
          date: Math.floor(Date.now() / 1000),
          text: input.text,
        },
      });
    },
    pending: () => [...updates],
    failNext(method, fault) {
      const queue = faults.get(method) ?? [];
      queue.push({ ...fault, remaining: fault.times ?? 1 });
      faults.set(method, queue);
    },
    async stop() {
      if (waiter) clearTimeout(waiter.timer);
      waiter = undefined;
      await http.close();
    },
  };
  return fake;
}

/** Rows of { text, callback_data } with callback_data of 1..64 bytes, as Telegram requires. */
function validKeyboard(keyboard: unknown): boolean {
  return (
    Array.isArray(keyboard) &&
    keyboard.every(
      (row) =>
        Array.isArray(row) &&
        row.every(
          (b: { text?: unknown; callback_data?: unknown }) =>
            typeof b?.text === 'string' &&
            b.text !== '' &&
            typeof b.callback_data === 'string' &&
            Buffer.byteLength(b.callback_data) >= 1 &&
            Buffer.byteLength(b.callback_data) <= 64,
        ),
    )
  );
}

const RESERVED = new Set(['_', '*', '[', ']', '(', ')', '~', '`', '>', '#', '+', '-', '=', '|', '{', '}', '.', '!']);

/**
 * Parses MarkdownV2 the way the Bot API documents it: returns the text as shown, or the error
 * Telegram gives. Entities: *bold* _italic_ __underline__ ~strike~ ||spoiler|| `code`
 * ```pre``` [text](url) and > quotes at a line start; any character may be escaped with '\';
 * every other reserved character must be.
 */
export function parseMarkdownV2(text: string): { text: string } | { error: string } {
  let shown = '';
  const stack: Array<{ mark: string; at: number }> = [];
  const toggle = (mark: string, at: number) => {
    if (stack.at(-1)?.mark === mark) stack.pop();
    else if (stack.some((e) => e.mark === mark)) return false;
    else stack.push({ mark, at });
    return true;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    const byteOffset = Buffer.byteLength(text.slice(0, i));
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined)
        return { error: `Character '\\' is reserved and must be escaped with the preceding '\\'` };
      shown += next;
      i += 2;
      continue;
    }
    if (c === '`') {
      const pre = text.startsWith('```', i);
      const open = pre ? 3 : 1;
      let j = i + open;
      if (pre) {
        const newline = text.indexOf('\n', j);
        const language = newline >= 0 ? text.slice(j, newline) : '';
        if (newline >= 0 && /^[\w+-]*$/.test(language)) j = newline + 1;
      }
      let content = '';
      let closed = false;
      while (j < text.length) {
        const d = text[j] ?? '';
        if (d === '\\') {
          content += text[j + 1] ?? '';
          j += 2;
          continue;
        }
        if (d === '`') {
          if (pre && !text.startsWith('```', j))
            return { error: `Character '\`' is reserved and must be escaped with the preceding '\\'` };
          closed = true;
          j += open;
          break;
        }
        content += d;
        j++;
      }
      if (!closed) return { error: `Can't find end of ${pre ? 'Pre' : 'Code'} entity at byte offset ${byteOffset}` };
      shown += pre ? content.replace(/\n$/, '') : content;
      i = j;
      continue;
    }
    if (c === '[') {
      stack.push({ mark: '[', at: byteOffset });
      i++;
      continue;
    }
    if (c === ']') {
      if (stack.at(-1)?.mark !== '[')
        return { error: `Character ']' is reserved and must be escaped with the preceding '\\'` };
      stack.pop();
      if (text[i + 1] !== '(')
        return { error: `Character ']' is reserved and must be escaped with the preceding '\\'` };
      let j = i + 2;
      let closed = false;
      while (j < text.length) {
        if (text[j] === '\\') {
          j += 2;
          continue;
        }
        if (text[j] === ')') {
          closed = true;
          break;
        }
        j++;
      }
      if (!closed) return { error: `Can't find end of a URL at byte offset ${byteOffset}` };
      i = j + 1;
      continue;
    }
    if (c === '*' || c === '~') {
      if (!toggle(c, byteOffset))
        return { error: `Can't find end of the entity starting at byte offset ${byteOffset}` };
      i++;
      continue;
    }
    if (c === '_') {
      const mark = text[i + 1] === '_' ? '__' : '_';
      if (!toggle(mark, byteOffset))
        return { error: `Can't find end of the entity starting at byte offset ${byteOffset}` };
      i += mark.length;
      continue;
    }
    if (c === '|' && text[i + 1] === '|') {
      if (!toggle('||', byteOffset))
        return { error: `Can't find end of the entity starting at byte offset ${byteOffset}` };
      i += 2;
      continue;
    }
    if (c === '>' && (i === 0 || text[i - 1] === '\n')) {
      i++;
      continue;
    }
    if (RESERVED.has(c)) return { error: `Character '${c}' is reserved and must be escaped with the preceding '\\'` };
    shown += c;
    i++;
  }
  const open = stack[0];
  if (open) return { error: `Can't find end of the entity starting at byte offset ${open.at}` };
  return { text: shown };
}
