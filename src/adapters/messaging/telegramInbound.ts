// Telegram updates → the bridge's InboundMessage (https://core.telegram.org/bots/api#update):
// a text `message`, or a `callback_query` (a press on one of our inline buttons), which arrives
// as the pressing user sending the button's command, keyed by the callback query id so a
// redelivered press runs once. "/cmd@ThisBot" becomes "/cmd"; a command for another bot is
// ignored. See docs/chat.md#replies-and-buttons.
import { field, num, str } from './http.js';
import type { InboundMessage } from './types.js';

const NAME = 'telegram';
/** A press's messageId: `callback:<query id>@<message id of the message with the button>`. */
const CALLBACK_PREFIX = 'callback:';

/** The press's query id, for answerCallbackQuery; undefined for other updates. */
export function callbackQueryId(update: unknown): string | undefined {
  return str(field(field(update, 'callback_query'), 'id'));
}

/** The Telegram message_id a reply should thread to, from an InboundMessage.messageId; undefined when there is none. */
export function replyTarget(messageId: string): number | undefined {
  const match = messageId.startsWith(CALLBACK_PREFIX) ? /@(\d+)$/.exec(messageId) : /^-?\d+:(\d+)$/.exec(messageId);
  const id = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(id) ? id : undefined;
}

export function toTelegramInbound(update: unknown, botUsername: string | undefined): InboundMessage | undefined {
  const press = field(update, 'callback_query');
  return press !== undefined ? fromCallback(press) : fromMessage(field(update, 'message'), botUsername);
}

function fromMessage(message: unknown, botUsername: string | undefined): InboundMessage | undefined {
  let text = str(field(message, 'text'));
  const from = field(message, 'from');
  const userId = num(field(from, 'id'));
  const chatId = num(field(field(message, 'chat'), 'id'));
  const messageId = num(field(message, 'message_id'));
  if (text === undefined || userId === undefined || chatId === undefined || messageId === undefined) return undefined;
  if (field(from, 'is_bot') === true) return undefined;
  // Commands in groups come as "/status@SomeBot": keep ours, drop those meant for another bot.
  const addressed = /^(\/[A-Za-z0-9_]+)@([A-Za-z0-9_]+)(?=\s|$)/.exec(text);
  if (addressed) {
    if (botUsername !== undefined && addressed[2]?.toLowerCase() !== botUsername.toLowerCase()) return undefined;
    text = `${addressed[1] ?? ''}${text.slice(addressed[0].length)}`;
  }
  return {
    provider: NAME,
    chatId: String(chatId),
    userId: String(userId),
    ...userNameOf(from),
    text,
    messageId: `${chatId}:${messageId}`,
    at: (num(field(message, 'date')) ?? Date.now() / 1000) * 1000,
  };
}

/** A button press: the presser (not the message's author) is who the allow-list judges. */
function fromCallback(press: unknown): InboundMessage | undefined {
  const queryId = str(field(press, 'id'));
  const data = str(field(press, 'data'));
  const from = field(press, 'from');
  const userId = num(field(from, 'id'));
  const message = field(press, 'message');
  const chatId = num(field(field(message, 'chat'), 'id'));
  const messageId = num(field(message, 'message_id'));
  if (queryId === undefined || data === undefined || userId === undefined || chatId === undefined) return undefined;
  if (field(from, 'is_bot') === true) return undefined;
  return {
    provider: NAME,
    chatId: String(chatId),
    userId: String(userId),
    ...userNameOf(from),
    text: data,
    messageId: `${CALLBACK_PREFIX}${queryId}${messageId !== undefined ? `@${messageId}` : ''}`,
    at: Date.now(),
  };
}

function userNameOf(from: unknown): { userName?: string } {
  const username = str(field(from, 'username'));
  const fullName = [str(field(from, 'first_name')), str(field(from, 'last_name'))].filter(Boolean).join(' ');
  const userName = username ?? (fullName || undefined);
  return userName !== undefined ? { userName } : {};
}
