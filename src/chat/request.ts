// A chat turn as it arrives on <prefix>.chat.req, validated here, at the boundary: a request
// that does not read as one is refused with a `bad_payload` error reply before it reaches the
// queue, so it can never block or loop in it. The shapes are in src/contracts/chatRequest.ts.
import { DEFAULT_RETRY_DELAYS_MS } from '../../machines/chat.js';
import { BadPayloadError } from '../bus/index.js';
import type { ChatRequest } from '../contracts/index.js';
import { stripHiddenCharacters } from '../missions/text.js';
import { planForAttempt } from './history.js';

/** Longest message taken as is; longer ones are clipped (with a note) rather than refused. */
export const MAX_TEXT = 16_000;
const MAX_ID = 200;

/** The request in `payload`, or BadPayloadError saying what is wrong with it. */
export function parseChatRequest(payload: Record<string, unknown>): ChatRequest {
  // The same hidden characters as in mission text go (control, bidi overrides): the text goes into a prompt.
  const text = typeof payload.text === 'string' ? stripHiddenCharacters(payload.text) : payload.text;
  if (typeof text !== 'string' || text.trim() === '')
    throw new BadPayloadError('chat request: "text" must be a non-empty string');
  const chatId = idField(payload, 'chatId', true);
  const providerRaw = payload.provider;
  if (typeof providerRaw !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(providerRaw)) {
    throw new BadPayloadError(
      'chat request: "provider" must be a provider name (letters, digits, "_" or "-"), e.g. "telegram"',
    );
  }
  const userId = idField(payload, 'userId', false);
  const userName = payload.userName;
  if (userName !== undefined && typeof userName !== 'string')
    throw new BadPayloadError('chat request: "userName" must be a string when given');
  const replyBy = payload.replyBy;
  if (replyBy !== undefined && (typeof replyBy !== 'number' || !Number.isFinite(replyBy))) {
    throw new BadPayloadError('chat request: "replyBy" must be a time in ms since the epoch when given');
  }
  const clipped =
    text.length > MAX_TEXT
      ? `${text.slice(0, MAX_TEXT)}\n[… ${text.length - MAX_TEXT} more characters not shown]`
      : text;
  return {
    text: clipped,
    chatId: chatId!,
    provider: providerRaw,
    ...(userId !== undefined ? { userId } : {}),
    ...(typeof userName === 'string' && stripHiddenCharacters(userName).trim() !== ''
      ? { userName: stripHiddenCharacters(userName).trim().slice(0, 100) }
      : {}),
    ...(typeof replyBy === 'number' ? { replyBy } : {}),
  };
}

/** Ids may come as strings or numbers (Telegram's are numbers); they are kept as strings. */
function idField(payload: Record<string, unknown>, key: 'chatId' | 'userId', required: boolean): string | undefined {
  const value = payload[key];
  if (value === undefined || value === null) {
    if (required) throw new BadPayloadError(`chat request: "${key}" is missing`);
    return undefined;
  }
  const text =
    typeof value === 'number' && Number.isFinite(value)
      ? String(value)
      : typeof value === 'string'
        ? value.trim()
        : undefined;
  if (text === undefined || text === '' || text.length > MAX_ID) {
    throw new BadPayloadError(
      `chat request: "${key}" must be a non-empty string or number (at most ${MAX_ID} characters)`,
    );
  }
  return text;
}

/**
 * The longest one request can take once its turn comes: every attempt running into its timeout
 * (chat.timeout, then shorter ones), plus the retry delays, plus `marginMs` for starting the CLI
 * and the bus. 2m → about 4m 30s. A caller waiting with bus.request should wait at least this
 * long (more when other requests may be queued before it).
 */
export function chatReplyBudgetMs(
  chatTimeoutMs: number,
  marginMs = 5_000,
  retryDelaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS,
): number {
  let total = marginMs;
  for (let attempt = 0; attempt <= retryDelaysMs.length; attempt++)
    total += planForAttempt(attempt, { historyTurns: 0, timeoutMs: chatTimeoutMs }).timeoutMs;
  for (const delay of retryDelaysMs) total += delay;
  return total;
}
