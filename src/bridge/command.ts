// The shape of one chat command and what its handler may reach. Handlers reach the tree only
// through `BridgeApi` (requests on the bus, the pause record, the update runner), so they are
// testable without NATS.
import type { InboundMessage, MessageAction } from '../adapters/messaging/types.js';
import type { Subjects } from '../bus/index.js';
import { RoshiError } from '../errors.js';
import type { PauseRecord } from '../missions/pause.js';

export type CommandCategory = 'missions' | 'control' | 'PRs' | 'help';

/** What a command handler may do to the world. */
export interface BridgeApi {
  subjects: Subjects;
  /** A request on the bus; refusals arrive as RemoteError, silence as BusError/TimeoutError. */
  request<T>(subject: string, payload: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Every responder's answer (several hosts' supervisors); absent on a single host. */
  requestAll?<T>(subject: string, payload: Record<string, unknown>): Promise<T[]>;
  now(): number;
  readPause(): Promise<PauseRecord | undefined>;
  usageFile: string;
  /** Runs /update; reports each step through `report`. */
  update(report: (line: string) => Promise<void>, options: { force: boolean }): Promise<void>;
  /** One line on the bridge's own providers, for /status. */
  providersLine?(): string;
  /** How long a missions request waits out the missions actor's fail-over (failoverWaitMs); 0 when absent. */
  missionsFailoverMs?: number;
}

export interface CommandContext {
  /** Everything after the command word, trimmed. */
  args: string;
  /** Who asks, as the allow-list names them: "<provider>:<userId>". */
  by: string;
  message: InboundMessage;
  api: BridgeApi;
  /** Another reply to the asking chat, for commands that report progress. */
  reply: (text: string) => Promise<void>;
}

/** An answer with buttons under it (docs/chat.md#replies-and-buttons); a plain string has none. */
export interface CommandReply {
  text: string;
  actions?: MessageAction[];
}

export interface Command {
  name: string;
  aliases: readonly string[];
  category: CommandCategory;
  /** e.g. "/cancel <n|id>" */
  usage: string;
  summary: string;
  /** Changes or restarts the installation: only for bridge.admins, not everyone allowed. */
  admin?: boolean;
  /** Shown in the compact /help (the few commands a phone needs first). */
  primary?: boolean;
  /** A few words for the command menu (Telegram's setMyCommands) and the compact /help; default: the summary, clipped. */
  brief?: string;
  /** The reply; undefined when the handler replies by itself (or later). */
  run: (ctx: CommandContext) => Promise<string | CommandReply | undefined>;
}

/** A refusal a person can act on; shown as is. */
export class CommandError extends RoshiError {
  override readonly code = 'command_refused';
}
