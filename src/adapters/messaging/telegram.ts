// Telegram provider (Bot API, https://core.telegram.org/bots/api).
//
// In: long polling with getUpdates (`timeout` = bridge.telegram.pollTimeout, only "message"
// updates). The cursor holds the next `offset` (last update_id + 1) and is saved after each
// update is handed to the bridge, so a restart neither loses nor repeats a message: Telegram
// keeps an update until a getUpdates call with a higher offset confirms it, and the saved offset
// is that confirmation. Text messages from users only; "/cmd@ThisBot" becomes "/cmd", and a
// command addressed to another bot in a group is ignored.
//
// Out: sendMessage. 'plain' text goes as is (no parse_mode); 'markdown' is converted to
// MarkdownV2 (entities kept, every other reserved character escaped) and, should Telegram still
// refuse to parse it, sent again as plain text. sendChatAction "typing" for typing().
//
// Errors: 429 → transient with retryAfterMs from parameters.retry_after; 5xx and network →
// transient; other answers (400, 401, 403, …) → permanent with Telegram's description.
//
// The token sits in the URL path (/bot<token>/method): URLs are never logged, errors name only
// the method and the API origin, and every message is scrubbed of the token once more.
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
  saveCursor,
  str,
  type ProviderDeps,
} from './http.js';
import { sleep } from '../../time/sleep.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

export type { ProviderDeps } from './http.js';
export type TelegramSettings = RoshiConfig['bridge']['telegram'];

export const TELEGRAM_MAX_LENGTH = 4096;
const NAME = 'telegram';
const SEND_TIMEOUT_MS = 30_000;

// ─── MarkdownV2 ──────────────────────────────────────────────────────────────────────────────

/** Escapes every character MarkdownV2 reserves, so `text` shows literally. */
export function escapeMarkdownV2(text: string): string {
  return text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');
}
const escapeCode = (text: string) => text.replace(/[`\\]/g, '\\$&');
const escapeLinkUrl = (text: string) => text.replace(/[)\\]/g, '\\$&');
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);
const isAsciiPunct = (c: string | undefined) => c !== undefined && /[!-/:-@[-`{-~]/.test(c);

/**
 * Converts ordinary Markdown (the kind roshi writes: **bold**, *italic* or _italic_, ~~strike~~,
 * `code`, fenced blocks, [links](url), # headings, - bullets, > quotes) to Telegram MarkdownV2:
 * the formatting becomes MarkdownV2 entities and every other reserved character is escaped.
 */
export function markdownToMarkdownV2(markdown: string): string {
  const lines = markdown.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^\s*```\s*([\w-]*)\s*$/.exec(line);
    if (fence) {
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) body.push(lines[j++] ?? '');
      out.push(`\`\`\`${fence[1] ?? ''}\n${escapeCode(body.join('\n'))}\n\`\`\``);
      i = j; // the closing fence (or the end, for an unclosed block)
      continue;
    }
    out.push(convertLine(line));
  }
  return out.join('\n');
}

function convertLine(line: string): string {
  const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return heading[1] ? `*${convertInline(heading[1])}*` : '';
  const quote = /^>\s?(.*)$/.exec(line);
  if (quote) return `>${convertLine(quote[1] ?? '')}`;
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${convertInline(bullet[2] ?? '')}`;
  return convertInline(line);
}

function convertInline(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '\\' && isAsciiPunct(text[i + 1])) {
      out += escapeMarkdownV2(text[i + 1] ?? '');
      i += 2;
      continue;
    }
    if (c === '`') {
      let run = 1;
      while (text[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      const close = findRun(text, fence, i + run);
      if (close > i + run) {
        out += `\`${escapeCode(text.slice(i + run, close))}\``;
        i = close + run;
      } else {
        out += escapeMarkdownV2(fence);
        i += run;
      }
      continue;
    }
    if (c === '[') {
      const link = /^\[([^\]\n]+)\]\(([^()\s]+)\)/.exec(text.slice(i));
      if (link) {
        out += `[${convertInline(link[1] ?? '')}](${escapeLinkUrl(link[2] ?? '')})`;
        i += link[0].length;
        continue;
      }
    }
    const pair = text.slice(i, i + 2);
    if (pair === '**' || pair === '__' || pair === '~~') {
      const end = closingDelimiter(text, pair, i);
      if (end > 0) {
        const mark = pair === '~~' ? '~' : '*';
        out += `${mark}${convertInline(text.slice(i + 2, end))}${mark}`;
        i = end + 2;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const end = closingDelimiter(text, c, i);
      if (end > 0) {
        out += `_${convertInline(text.slice(i + 1, end))}_`;
        i = end + 1;
        continue;
      }
    }
    out += escapeMarkdownV2(c);
    i++;
  }
  return out;
}

/** Index of the `fence` run (exactly that many backticks) at or after `from`, or -1. */
function findRun(text: string, fence: string, from: number): number {
  for (let j = text.indexOf(fence, from); j >= 0; j = text.indexOf(fence, j + 1)) {
    if (text[j - 1] !== '`' && text[j + fence.length] !== '`') return j;
  }
  return -1;
}

/**
 * Where the emphasis opened by `delim` at `start` closes, or -1: the content must not start or
 * end with a space, and '_' emphasis must not sit inside a word (snake_case stays as it is).
 */
function closingDelimiter(text: string, delim: string, start: number): number {
  const inner = start + delim.length;
  const first = text[inner];
  if (first === undefined || first === ' ' || first === delim[0]) return -1;
  const underscore = delim[0] === '_';
  if (underscore && isWordChar(text[start - 1])) return -1;
  for (let j = text.indexOf(delim, inner + 1); j >= 0; j = text.indexOf(delim, j + 1)) {
    if (text[j - 1] === ' ' || text[j - 1] === '\\') continue;
    if (delim.length === 1 && (text[j + 1] === delim || text[j - 1] === delim)) continue;
    if (underscore && isWordChar(text[j + delim.length])) continue;
    if (text.slice(inner, j).includes('\n')) return -1;
    return j;
  }
  return -1;
}

// ─── provider ────────────────────────────────────────────────────────────────────────────────

interface TelegramCall {
  what: string;
  body: Record<string, unknown>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export function createTelegramProvider(settings: TelegramSettings, deps: ProviderDeps): MessagingProvider {
  const token = readToken(
    deps.env,
    settings.tokenEnv,
    'bridge.telegram.tokenEnv',
    'the Telegram bot token from @BotFather',
  );
  if (settings.chatId !== '' && !/^(-?\d+|@\w+)$/.test(settings.chatId)) {
    throw new ConfigError(
      'bridge.telegram.chatId',
      settings.chatId,
      'a numeric chat id (e.g. 123456789 or -1001234567890), an @channelusername, or ""',
    );
  }
  return new TelegramProvider(settings, deps, token);
}

class TelegramProvider implements MessagingProvider {
  readonly name = NAME;
  readonly maxLength = TELEGRAM_MAX_LENGTH;
  readonly defaultChatId: string | undefined;
  private readonly logger: Logger;
  private readonly apiRoot: string;
  private readonly retry: { minMs: number; maxMs: number };
  private readonly pollSeconds: number;
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private botUsername: string | undefined;

  constructor(
    private readonly settings: TelegramSettings,
    private readonly deps: ProviderDeps,
    private readonly token: string,
  ) {
    this.defaultChatId = settings.chatId === '' ? undefined : settings.chatId;
    this.logger = providerLogger(deps.logger, NAME);
    this.apiRoot = settings.apiUrl.replace(/\/+$/, '');
    this.retry = deps.retry ?? DEFAULT_RETRY;
    this.pollSeconds = Math.max(0, Math.round(settings.pollTimeout / 1000));
  }

  async start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void> {
    if (this.loop) throw new Error('telegram provider already started');
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    // getMe checks the token before anything else: a wrong token fails start() with Telegram's
    // answer; an unreachable API does not (the loop keeps trying).
    try {
      const me = await this.call({ what: 'getMe', body: {}, timeoutMs: START_CALL_TIMEOUT_MS, signal });
      this.botUsername = str(field(me, 'username'));
      this.logger.info({ bot: this.botUsername }, 'telegram: connected');
    } catch (error) {
      if (error instanceof RequestAborted) return;
      if (error instanceof ProviderError && !error.transient) throw error;
      this.logger.warn({ err: errorText(error) }, 'telegram: cannot reach the Bot API yet; will keep trying');
    }
    const offset = await this.loadOffset();
    if (signal.aborted) return; // stop() came while starting
    this.loop = this.receive(onMessage, offset);
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  async send(message: OutboundMessage): Promise<void> {
    const chatId = message.chatId ?? this.defaultChatId;
    if (chatId === undefined)
      throw new ProviderError(
        'telegram: no chat to send to (bridge.telegram.chatId is empty and the message names none)',
        NAME,
        false,
      );
    if (message.text.trim() === '') throw new ProviderError('telegram: refusing to send an empty message', NAME, false);
    if (message.format !== 'markdown') {
      await this.call({
        what: 'sendMessage',
        body: { chat_id: chatId, text: message.text },
        timeoutMs: SEND_TIMEOUT_MS,
      });
      return;
    }
    try {
      await this.call({
        what: 'sendMessage',
        body: { chat_id: chatId, text: markdownToMarkdownV2(message.text), parse_mode: 'MarkdownV2' },
        timeoutMs: SEND_TIMEOUT_MS,
      });
    } catch (error) {
      if (!(error instanceof ProviderError) || error.transient || !/can't parse entities/i.test(error.message))
        throw error;
      // Our conversion produced something Telegram does not accept: the words matter more than
      // the formatting.
      this.logger.warn({ err: error.message }, 'telegram: markdown refused; sending as plain text');
      await this.call({
        what: 'sendMessage',
        body: { chat_id: chatId, text: message.text },
        timeoutMs: SEND_TIMEOUT_MS,
      });
    }
  }

  async typing(chatId: string): Promise<void> {
    try {
      await this.call({ what: 'sendChatAction', body: { chat_id: chatId, action: 'typing' }, timeoutMs: 10_000 });
    } catch (error) {
      this.logger.debug({ err: errorText(error) }, 'telegram: typing indicator failed');
    }
  }

  private async loadOffset(): Promise<number | undefined> {
    const saved = await this.deps.cursor.load();
    if (saved === undefined || saved === '') return undefined;
    const offset = Number(saved);
    if (Number.isSafeInteger(offset)) return offset;
    this.logger.warn({ cursor: saved }, 'telegram: saved offset is not a number; starting from what Telegram holds');
    return undefined;
  }

  private async receive(
    onMessage: (message: InboundMessage) => Promise<void>,
    initialOffset: number | undefined,
  ): Promise<void> {
    const signal = this.stopController.signal;
    let offset = initialOffset;
    let failures = 0;
    while (!signal.aborted) {
      let updates: unknown[];
      try {
        const result = await this.call({
          what: 'getUpdates',
          body: {
            ...(offset !== undefined ? { offset } : {}),
            timeout: this.pollSeconds,
            limit: 100,
            allowed_updates: ['message'],
          },
          timeoutMs: this.settings.pollTimeout + 15_000,
          signal,
        });
        updates = Array.isArray(result) ? result : [];
        failures = 0;
        if (this.botUsername === undefined && updates.length > 0) await this.learnUsername(signal);
      } catch (error) {
        if (error instanceof RequestAborted || signal.aborted) break;
        failures++;
        const wait = backoffMs(failures, this.retry, error);
        const level = error instanceof ProviderError && !error.transient ? 'error' : 'warn';
        this.logger[level]({ err: errorText(error), failures, retryInMs: wait }, 'telegram: getUpdates failed');
        await sleep(wait, { signal });
        continue;
      }
      for (const update of updates) {
        const updateId = num(field(update, 'update_id'));
        if (updateId === undefined) continue;
        const message = this.toInbound(update);
        if (message && !(await deliver(onMessage, message, this.logger, signal))) return;
        offset = updateId + 1;
        await saveCursor(this.deps.cursor, String(offset), this.logger);
        if (signal.aborted) return;
      }
      // pollTimeout 0 means short polling: do not spin.
      if (this.pollSeconds === 0 && updates.length === 0) await sleep(1_000, { signal });
    }
  }

  /** getMe failed at start (network): the bot's username is needed to read "/cmd@Bot". */
  private async learnUsername(signal: AbortSignal): Promise<void> {
    try {
      const me = await this.call({ what: 'getMe', body: {}, timeoutMs: SEND_TIMEOUT_MS, signal });
      this.botUsername = str(field(me, 'username'));
    } catch {
      // Still unknown: commands addressed to any bot are taken as ours until it is known.
    }
  }

  private toInbound(update: unknown): InboundMessage | undefined {
    const message = field(update, 'message');
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
      if (this.botUsername !== undefined && addressed[2]?.toLowerCase() !== this.botUsername.toLowerCase())
        return undefined;
      text = `${addressed[1] ?? ''}${text.slice(addressed[0].length)}`;
    }
    const username = str(field(from, 'username'));
    const fullName = [str(field(from, 'first_name')), str(field(from, 'last_name'))].filter(Boolean).join(' ');
    const userName = username ?? (fullName || undefined);
    return {
      provider: NAME,
      chatId: String(chatId),
      userId: String(userId),
      ...(userName !== undefined ? { userName } : {}),
      text,
      messageId: `${chatId}:${messageId}`,
      at: (num(field(message, 'date')) ?? Date.now() / 1000) * 1000,
    };
  }

  /** One Bot API call; resolves to `result`, throws ProviderError (never carrying the token). */
  private async call(call: TelegramCall): Promise<unknown> {
    const response = await requestJson({
      provider: NAME,
      what: call.what,
      method: 'POST',
      url: `${this.apiRoot}/bot${this.token}/${call.what}`,
      body: call.body,
      timeoutMs: call.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
      secrets: [this.token],
    });
    const body = response.body;
    if (response.status === 200 && field(body, 'ok') === true) return field(body, 'result');
    throw this.toError(call.what, response.status, body);
  }

  private toError(what: string, status: number, body: unknown): ProviderError {
    const code = num(field(body, 'error_code')) ?? status;
    const description =
      str(field(body, 'description')) ?? (typeof body === 'string' && body.length < 200 ? body : `HTTP ${status}`);
    const parameters = field(body, 'parameters');
    const scrub = (text: string) => redact(text, [this.token]);
    if (code === 429 || status === 429) {
      const seconds = num(field(parameters, 'retry_after')) ?? 1;
      return new ProviderError(scrub(`telegram: ${what} rate limited: ${description}`), NAME, true, seconds * 1000);
    }
    if (status >= 500 || code >= 500)
      return new ProviderError(scrub(`telegram: ${what} failed: ${code} ${description}`), NAME, true);
    if (status === 200)
      return new ProviderError(scrub(`telegram: ${what}: unexpected answer from the Bot API`), NAME, true);
    let hint = '';
    const migratedTo = num(field(parameters, 'migrate_to_chat_id'));
    if (migratedTo !== undefined)
      hint = ` (the group is now a supergroup: set bridge.telegram.chatId to ${migratedTo})`;
    else if (code === 401 || code === 404) hint = ` (check the bot token in ${this.settings.tokenEnv})`;
    else if (code === 409 && what === 'getUpdates')
      hint = ' (a webhook is set or another instance polls with this token)';
    return new ProviderError(scrub(`telegram: ${what} refused: ${code} ${description}${hint}`), NAME, false);
  }
}
