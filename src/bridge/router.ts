// What the bridge does with one inbound message: drop a duplicate, refuse a stranger, hold back
// a user past bridge.maxPerMinute, then run a command (the admin ones only for bridge.admins),
// queue a mission, or hand the text to chat. Replies go back to the chat the message
// came from (through the durable outbox, see actors/bridge.ts). Nothing here throws at the
// provider: a failure becomes a short reply and a log line.
import type { InboundMessage, MessageAction } from '../adapters/messaging/types.js';
import { BusError, describeError, RemoteError, TimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AllowList } from './allowList.js';
import { CommandError, type BridgeApi, type Command, type CommandContext, type CommandReply } from './command.js';
import { bridgeCommands } from './commands.js';
import { classify } from './intent.js';
import { oneLine } from '../text/oneLine.js';
import { sleep } from '../time/sleep.js';
import { RateLimiter } from './rateLimit.js';

export interface ChatRequest {
  text: string;
  chatId: string;
  userId: string;
  provider: string;
  userName?: string;
}

/** What a reply carries besides its text: buttons, and Markdown for chat's answers. */
export interface ReplyExtras {
  actions?: MessageAction[];
  format?: 'markdown';
}

export interface RouterOptions {
  allowList: AllowList;
  /** Who may run the commands marked admin (/update, /restart): bridge.admins. */
  admins: AllowList;
  /** Messages one user may send per minute (bridge.maxPerMinute); default unlimited. */
  maxPerMinute?: number;
  api: BridgeApi;
  /** Default: a fresh bridgeCommands() for this router. */
  commands?: readonly Command[];
  /**
   * Sends `text` to the chat `message` came from, as a reply to it; `index` numbers the replies
   * to one message.
   */
  reply: (message: InboundMessage, text: string, index: number, extras?: ReplyExtras) => Promise<void>;
  /** One chat turn; resolves with the answer to show (including "chat is unavailable"). */
  chat: (request: ChatRequest) => Promise<string>;
  /** Chat turns keyed by their message (chatTurns.ts): a redelivered message asks no second time. */
  turns?: { begin(message: InboundMessage): Promise<boolean>; answered(message: InboundMessage): Promise<void> };
  /** "typing…" in the asking chat, best effort. */
  typing?: (message: InboundMessage) => Promise<void>;
  logger: Logger;
  now?: () => number;
  /** At most one refusal reply per stranger in this window (every message is still logged). Default 60 s. */
  refusalIntervalMs?: number;
  typingIntervalMs?: number;
}

const SEEN_LIMIT = 1_000;

export class Router {
  private readonly seen = new Set<string>();
  private readonly refusedAt = new Map<string, number>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly now: () => number;
  private readonly rate: RateLimiter | undefined;
  private readonly commands: readonly Command[];
  readonly counters = {
    received: 0,
    duplicates: 0,
    refused: 0,
    limited: 0,
    notAdmin: 0,
    commands: 0,
    unknown: 0,
    missions: 0,
    chats: 0,
    failures: 0,
  };

  constructor(private readonly options: RouterOptions) {
    this.now = options.now ?? Date.now;
    this.commands = options.commands ?? bridgeCommands();
    this.rate =
      options.maxPerMinute === undefined ? undefined : new RateLimiter(options.maxPerMinute, 60_000, this.now);
  }

  /** Handles one message; resolves when its command ran (chat turns go on in the background). */
  async handle(message: InboundMessage): Promise<void> {
    const { logger } = this.options;
    this.counters.received++;
    const key = `${message.provider}:${message.chatId}:${message.messageId}`;
    if (this.seen.has(key)) {
      this.counters.duplicates++;
      logger.debug({ provider: message.provider, messageId: message.messageId }, 'duplicate inbound message ignored');
      return;
    }
    this.remember(key);
    let replies = 0;
    const reply = (text: string, extras?: ReplyExtras) =>
      this.options
        .reply(message, text, replies++, extras)
        .catch((error: unknown) => logger.error({ err: error, provider: message.provider }, 'reply not sent'));
    const who = `${message.provider}:${message.userId}`;

    if (!this.options.allowList.allows(message.provider, message.userId)) {
      this.counters.refused++;
      logger.warn(
        {
          provider: message.provider,
          userId: message.userId,
          userName: message.userName,
          chatId: message.chatId,
          messageId: message.messageId,
          text: oneLine(message.text, 60),
        },
        'message from a user not on the allow-list refused',
      );
      const last = this.refusedAt.get(who);
      if (last === undefined || this.now() - last >= (this.options.refusalIntervalMs ?? 60_000)) {
        this.refusedAt.set(who, this.now());
        await reply(`⛔ Not allowed: ${who} is not on this roshi's allow-list (bridge.allowedUsers). Nothing was run.`);
      }
      return;
    }

    const decision = this.rate?.take(who) ?? 'allow';
    if (decision !== 'allow') {
      this.counters.limited++;
      if (decision === 'drop') return void logger.debug({ who }, 'message over the rate limit dropped');
      logger.warn(
        { who, maxPerMinute: this.options.maxPerMinute },
        'user over the rate limit: told to slow down, further messages dropped this minute',
      );
      await reply(
        `🐢 Slow down: at most ${this.options.maxPerMinute} messages a minute (bridge.maxPerMinute). Nothing more from you is read until the minute has passed.`,
      );
      return;
    }

    const intent = classify(message.text, this.commands);
    logger.info(
      {
        provider: message.provider,
        userId: message.userId,
        chatId: message.chatId,
        messageId: message.messageId,
        intent: intent.type,
        ...('name' in intent ? { command: intent.name } : {}),
      },
      'inbound message',
    );
    const ctx = (args: string): CommandContext => ({ args, by: who, message, api: this.options.api, reply });
    switch (intent.type) {
      case 'command': {
        this.counters.commands++;
        if (intent.command.admin && !this.options.admins.allows(message.provider, message.userId)) {
          this.counters.notAdmin++;
          logger.warn({ who, command: intent.command.name }, 'admin command from a user not in bridge.admins refused');
          await reply(
            `⛔ /${intent.command.name} needs an admin: ${who} may give missions but is not in bridge.admins. Nothing was run.`,
          );
          return;
        }
        await this.answer(await this.run(intent.command, ctx(intent.args)), reply);
        return;
      }
      case 'unknown': {
        this.counters.unknown++;
        await reply(
          `Unknown command /${intent.name}${intent.suggestion ? ` — did you mean ${intent.suggestion}?` : ''} (/help lists them)`,
        );
        return;
      }
      case 'mission': {
        this.counters.missions++;
        const mission = this.commands.find((c) => c.name === 'mission');
        if (!mission) return;
        await this.answer(await this.run(mission, ctx(intent.text)), reply);
        return;
      }
      case 'chat': {
        if (this.options.turns && !(await this.options.turns.begin(message))) {
          this.counters.duplicates++;
          logger.info(
            { provider: message.provider, messageId: message.messageId },
            'chat turn already asked for this message; not asked again',
          );
          return;
        }
        this.counters.chats++;
        // In the background: a chat turn can take minutes, and commands must not wait behind it.
        this.track(this.converse(message, reply));
        return;
      }
    }
  }

  /** Waits (up to `timeoutMs`) for chat turns and updates still running. */
  async stop(timeoutMs = 2_000): Promise<void> {
    await Promise.race([Promise.allSettled([...this.background]), sleep(timeoutMs, { unref: true })]);
  }

  private async answer(
    result: string | CommandReply | undefined,
    reply: (text: string, extras?: ReplyExtras) => Promise<void>,
  ): Promise<void> {
    if (typeof result === 'string') {
      if (result) await reply(result);
    } else if (result?.text) {
      await reply(result.text, result.actions?.length ? { actions: result.actions } : undefined);
    }
  }

  private async run(command: Command, ctx: CommandContext): Promise<string | CommandReply | undefined> {
    try {
      return await command.run(ctx);
    } catch (error) {
      if (error instanceof CommandError) return `⚠ ${error.message}`;
      this.counters.failures++;
      this.options.logger.error({ err: error, command: command.name }, 'command failed');
      return `⚠ /${command.name} failed: ${describeError(error)}`;
    }
  }

  private async converse(
    message: InboundMessage,
    reply: (text: string, extras?: ReplyExtras) => Promise<void>,
  ): Promise<void> {
    const typing = this.options.typing;
    let timer: NodeJS.Timeout | undefined;
    if (typing) {
      const tick = () => void typing(message).catch(() => undefined);
      tick();
      timer = setInterval(tick, this.options.typingIntervalMs ?? 4_000);
    }
    try {
      const answer = await this.options.chat({
        text: message.text,
        chatId: message.chatId,
        userId: message.userId,
        provider: message.provider,
        ...(message.userName ? { userName: message.userName } : {}),
      });
      // Chat answers in Markdown; each provider renders it (or escapes it) its own way.
      await reply(answer, { format: 'markdown' });
      await this.options.turns?.answered(message);
    } finally {
      clearInterval(timer);
    }
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'background task failed'))
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

/**
 * One chat turn over <prefix>.chat.req (the chat actor answers on a queue group): the answer's
 * text, or a sentence saying why there is none. `timeoutMs` is generous (the chat's whole reply budget, retries included, + 15 s):
 * the chat actor retries empty answers itself.
 */
export async function askChat(
  request: <T>(subject: string, payload: Record<string, unknown>, timeoutMs?: number) => Promise<T>,
  subject: string,
  chat: ChatRequest,
  timeoutMs: number,
): Promise<string> {
  try {
    // replyBy: past it the chat sends its answer through the outbox instead (a long queue).
    const answer = await request<{ text?: unknown }>(
      subject,
      { ...chat, replyBy: Date.now() + timeoutMs - 1_000 },
      timeoutMs,
    );
    const text = typeof answer?.text === 'string' ? answer.text.trim() : '';
    return text || '(chat gave an empty answer)';
  } catch (error) {
    if (error instanceof RemoteError && error.code === 'busy')
      return `💤 chat is ${describeError(error)}. Commands still work (/help).`;
    if (error instanceof RemoteError) return `⚠ chat could not answer: ${describeError(error)}`;
    if (error instanceof TimeoutError)
      return `💤 chat is busy; its answer will follow here when it is ready. Commands still work (/help).`;
    if (error instanceof BusError)
      return '💤 chat is unavailable right now (no chat actor is answering). Commands still work (/help).';
    return `⚠ chat failed: ${describeError(error)}`;
  }
}
