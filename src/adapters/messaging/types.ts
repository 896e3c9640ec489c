// The contract between the bridge and a chat provider (console, Telegram, Slack, Matrix). A
// provider only moves text in and out; commands, the allow-list, the outbox and pacing are the
// bridge's. Secrets (tokens) are read by the provider from the environment variable its config
// names and never appear in logs or errors.
import { RoshiError } from '../../errors.js';

export interface InboundMessage {
  provider: string;
  /** Where the message came from and where a reply goes (chat, channel or room id). */
  chatId: string;
  /** The sender's id as the provider names it; the allow-list matches "<provider>:<userId>". */
  userId: string;
  userName?: string;
  text: string;
  /** The provider's id of the message, for de-duplication. */
  messageId: string;
  at: number;
}

export interface OutboundMessage {
  /** Default: the provider's configured notification chat. */
  chatId?: string;
  text: string;
  /** 'plain' unless the text is known to be safe Markdown; providers escape as they need. */
  format?: 'plain' | 'markdown';
  /** The operator's message this answers (its InboundMessage.messageId): a reply or thread where the provider has them. */
  replyTo?: string;
  /** Buttons under the message where the provider has them; a press comes back as an inbound command. */
  actions?: MessageAction[];
}

/** A button: pressing it is the same as the pressing user sending `command` (allow-list and all). */
export interface MessageAction {
  label: string;
  /** A chat command, e.g. `/cancel mx7g…`. */
  command: string;
}

/** Where a provider keeps its position in the inbound stream (Telegram offset, Matrix `since`). */
export interface Cursor {
  load(): Promise<string | undefined>;
  save(value: string): Promise<void>;
}

export interface MessagingProvider {
  readonly name: string;
  /** Longest text `send` accepts in one message; the bridge splits longer ones. */
  readonly maxLength: number;
  /** Replies live in a thread (Slack): every piece of a split reply goes there, not only the first. */
  readonly repliesInThread?: boolean;
  /** Where notifications go when an outbound message names no chat; undefined = nowhere. */
  readonly defaultChatId: string | undefined;
  /** Starts receiving; resolves once receiving has begun. Messages arrive in order. */
  start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the provider accepted the message; throws ProviderError otherwise. */
  send(message: OutboundMessage): Promise<void>;
  /** Shows "typing…" where the provider has it; best effort. */
  typing?(chatId: string): Promise<void>;
  /** How receiving goes, for providers with a receive loop (the bridge judges silence from it). */
  receiving?(): ReceiveHealth;
  /** Registers the command menu where the provider has one (Telegram's setMyCommands); never throws. */
  registerCommands?(menu: readonly MenuCommand[]): Promise<void>;
}

/** One entry of a provider's command menu: the command without its slash, and a few words. */
export interface MenuCommand {
  command: string;
  description: string;
}

export interface ReceiveHealth {
  /** The call that receives ("getUpdates", "/sync", …), for the operator. */
  what: string;
  /** When a poll last answered (or receiving started, before the first answer). */
  lastOkAt: number;
  /** Why the polls since then failed; undefined while they answer or merely wait. */
  lastError?: string;
}

/** A send or receive the provider refused. `retryAfterMs` set: rate limited, try again then. */
export class ProviderError extends RoshiError {
  override readonly code = 'provider';
  constructor(
    message: string,
    readonly provider: string,
    readonly transient: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
