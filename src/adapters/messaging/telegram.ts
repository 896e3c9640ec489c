// Telegram provider (Bot API, https://core.telegram.org/bots/api): getUpdates long polling in,
// sendMessage out. The cursor is the next `offset`, saved after each update is handed over: the
// saved offset is what confirms an update to Telegram, so a restart neither loses nor repeats one.
// Updates become messages in telegramInbound.ts (text, and presses on our inline buttons, each
// answered with answerCallbackQuery). A reply threads with reply_parameters and carries its
// buttons as reply_markup.inline_keyboard; the command menu is setMyCommands. 'markdown' goes as
// MarkdownV2 (telegramMarkdown.ts), sent again as plain text should Telegram refuse to parse it.
// The token sits in the URL path: URLs are never logged and errors name only the method.
// See docs/providers.md#telegram and docs/chat.md#replies-and-buttons.
import type { RoshiConfig } from '../../config/schema.js';
import { refuseEmptyText } from './apiErrors.js';
import { TelegramApi } from './telegramApi.js';
import { START_CALL_TIMEOUT_MS, errorText, field, num, str, type ProviderDeps } from './http.js';
import { callbackQueryId, replyTarget, toTelegramInbound } from './telegramInbound.js';
import { readToken, requireSetting } from './providerSettings.js';
import { ItemPollingProvider } from './pollingProvider.js';
import { markdownToMarkdownV2 } from './telegramMarkdown.js';
import {
  ProviderError,
  type InboundMessage,
  type MenuCommand,
  type MessageAction,
  type MessagingProvider,
  type OutboundMessage,
} from './types.js';

export type TelegramSettings = RoshiConfig['bridge']['telegram'];

export const TELEGRAM_MAX_LENGTH = 4096;
const NAME = 'telegram';
const SEND_TIMEOUT_MS = 30_000;
/** Telegram's limit on a button's callback_data, in bytes: a longer command gets no button. */
export const CALLBACK_DATA_MAX_BYTES = 64;
const BUTTONS_PER_ROW = 3;

const CHAT_ID = /^(-?\d+|@\w+)$/;
const CHAT_ID_EXPECTED = 'a numeric chat id (e.g. 123456789 or -1001234567890), an @channelusername, or ""';

export function createTelegramProvider(settings: TelegramSettings, deps: ProviderDeps): MessagingProvider {
  const token = readToken(
    deps.env,
    settings.tokenEnv,
    'bridge.telegram.tokenEnv',
    'the Telegram bot token from @BotFather',
  );
  const chatId = settings.chatId;
  requireSetting('bridge.telegram.chatId', chatId, chatId === '' || CHAT_ID.test(chatId), CHAT_ID_EXPECTED);
  return new TelegramProvider(settings, deps, token);
}

class TelegramProvider extends ItemPollingProvider<unknown> {
  readonly defaultChatId: string | undefined;
  private readonly pollSeconds: number;
  private readonly api: TelegramApi;
  private offset: number | undefined;
  private botUsername: string | undefined;

  constructor(
    private readonly settings: TelegramSettings,
    deps: ProviderDeps,
    token: string,
  ) {
    super(NAME, TELEGRAM_MAX_LENGTH, deps, 'telegram: cannot reach the Bot API yet; will keep trying');
    this.defaultChatId = settings.chatId === '' ? undefined : settings.chatId;
    this.pollSeconds = Math.max(0, Math.round(settings.pollTimeout / 1000));
    this.api = new TelegramApi(settings.apiUrl, token, settings.tokenEnv);
  }

  async send(message: OutboundMessage): Promise<void> {
    const chatId = message.chatId ?? this.defaultChatId;
    if (chatId === undefined)
      throw new ProviderError(
        'telegram: no chat to send to (bridge.telegram.chatId is empty and the message names none)',
        NAME,
        false,
      );
    refuseEmptyText(NAME, message);
    const extras = this.replyExtras(message);
    const sendText = (body: Record<string, unknown>) =>
      this.api.call({
        what: 'sendMessage',
        body: { chat_id: chatId, ...body, ...extras },
        timeoutMs: SEND_TIMEOUT_MS,
      });
    if (message.format !== 'markdown') {
      await sendText({ text: message.text });
      return;
    }
    try {
      await sendText({ text: markdownToMarkdownV2(message.text), parse_mode: 'MarkdownV2' });
    } catch (error) {
      if (!(error instanceof ProviderError) || error.transient || !/can't parse entities/i.test(error.message))
        throw error;
      // Our conversion produced something Telegram does not accept: the words matter more than
      // the formatting.
      this.logger.warn({ err: error.message }, 'telegram: markdown refused; sending as plain text');
      await sendText({ text: message.text });
    }
  }

  /** The menu Telegram shows behind "/" and the menu button; a failure is logged, never thrown. */
  async registerCommands(menu: readonly MenuCommand[]): Promise<void> {
    const commands = menu
      .filter((c) => /^[a-z0-9_]{1,32}$/.test(c.command) && c.description.trim() !== '')
      .slice(0, 100)
      .map((c) => ({ command: c.command, description: c.description.slice(0, 256) }));
    try {
      await this.api.call({ what: 'setMyCommands', body: { commands }, timeoutMs: SEND_TIMEOUT_MS });
      this.logger.info({ commands: commands.length }, 'telegram: command menu registered');
    } catch (error) {
      this.logger.warn({ err: errorText(error) }, 'telegram: command menu not registered (setMyCommands failed)');
    }
  }

  /** reply_parameters and reply_markup of a message, when it answers one or has buttons. */
  private replyExtras(message: OutboundMessage): Record<string, unknown> {
    const target = message.replyTo !== undefined ? replyTarget(message.replyTo) : undefined;
    const buttons = (message.actions ?? []).filter((action) => this.fitsCallbackData(action));
    const rows: Array<Array<{ text: string; callback_data: string }>> = [];
    for (let i = 0; i < buttons.length; i += BUTTONS_PER_ROW)
      rows.push(buttons.slice(i, i + BUTTONS_PER_ROW).map((b) => ({ text: b.label, callback_data: b.command })));
    return {
      // Sent even if the operator's message is gone: the answer matters more than the thread.
      ...(target !== undefined ? { reply_parameters: { message_id: target, allow_sending_without_reply: true } } : {}),
      ...(rows.length > 0 ? { reply_markup: { inline_keyboard: rows } } : {}),
    };
  }

  private fitsCallbackData(action: MessageAction): boolean {
    if (Buffer.byteLength(action.command) <= CALLBACK_DATA_MAX_BYTES) return true;
    this.logger.warn(
      { command: action.command.slice(0, 80) },
      `telegram: button left out: its command is longer than ${CALLBACK_DATA_MAX_BYTES} bytes`,
    );
    return false;
  }

  /** Stops the spinner on the pressed button; best effort (an old press cannot be answered). */
  private answerPress(queryId: string): void {
    void this.api
      .call({ what: 'answerCallbackQuery', body: { callback_query_id: queryId }, timeoutMs: 10_000 })
      .catch((error: unknown) => this.logger.debug({ err: errorText(error) }, 'telegram: answerCallbackQuery failed'));
  }

  async typing(chatId: string): Promise<void> {
    try {
      await this.api.call({ what: 'sendChatAction', body: { chat_id: chatId, action: 'typing' }, timeoutMs: 10_000 });
    } catch (error) {
      this.logger.debug({ err: errorText(error) }, 'telegram: typing indicator failed');
    }
  }

  /** getMe checks the token first: a wrong one fails start(); an unreachable API does not. */
  protected async connect(signal: AbortSignal): Promise<void> {
    const me = await this.api.call({ what: 'getMe', body: {}, timeoutMs: START_CALL_TIMEOUT_MS, signal });
    this.botUsername = str(field(me, 'username'));
    this.logger.info({ bot: this.botUsername }, 'telegram: connected');
  }

  protected async resume(): Promise<void> {
    this.offset = await this.loadOffset();
  }

  protected loopShape() {
    // pollTimeout 0 means short polling: do not spin.
    return {
      what: 'getUpdates',
      pauseAfter: (updates: unknown[]) => (this.pollSeconds === 0 && updates.length === 0 ? 1_000 : undefined),
    };
  }

  protected async poll(signal: AbortSignal): Promise<unknown[]> {
    const result = await this.api.call({
      what: 'getUpdates',
      body: {
        ...(this.offset !== undefined ? { offset: this.offset } : {}),
        timeout: this.pollSeconds,
        limit: 100,
        allowed_updates: ['message', 'callback_query'],
      },
      timeoutMs: this.settings.pollTimeout + 15_000,
      signal,
    });
    const updates = Array.isArray(result) ? result : [];
    if (this.botUsername === undefined && updates.length > 0) await this.learnUsername(signal);
    return updates;
  }

  protected position(update: unknown): string | undefined {
    const updateId = num(field(update, 'update_id'));
    return updateId === undefined ? undefined : String(updateId + 1);
  }

  protected moved(position: string): void {
    this.offset = Number(position);
  }

  private async loadOffset(): Promise<number | undefined> {
    const saved = await this.deps.cursor.load();
    if (saved === undefined || saved === '') return undefined;
    const offset = Number(saved);
    if (Number.isSafeInteger(offset)) return offset;
    this.logger.warn({ cursor: saved }, 'telegram: saved offset is not a number; starting from what Telegram holds');
    return undefined;
  }

  /** getMe failed at start (network): the bot's username is needed to read "/cmd@Bot". */
  private async learnUsername(signal: AbortSignal): Promise<void> {
    try {
      const me = await this.api.call({ what: 'getMe', body: {}, timeoutMs: SEND_TIMEOUT_MS, signal });
      this.botUsername = str(field(me, 'username'));
    } catch {
      // Still unknown: commands addressed to any bot are taken as ours until it is known.
    }
  }

  protected toInbound(update: unknown): InboundMessage | undefined {
    const queryId = callbackQueryId(update);
    if (queryId !== undefined) this.answerPress(queryId);
    return toTelegramInbound(update, this.botUsername);
  }
}
