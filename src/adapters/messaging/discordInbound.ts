// What the Discord Gateway hands us, read as the bridge's inbound messages: a channel message
// (MESSAGE_CREATE) from a person, and a button press (INTERACTION_CREATE of a message component).
// See docs/chat.md#discord.
import { field, num, str } from './http.js';
import { inboundText } from './discordText.js';
import type { InboundMessage } from './types.js';

const NAME = 'discord';
/** DEFAULT and REPLY: what people type. Joins, pins, thread notices… are not commands. */
const PEOPLE_TYPES = new Set([0, 19]);
/** A message component's interaction (a button press). */
const MESSAGE_COMPONENT = 3;
/** Discord's epoch, the start of 2015, in ms: a snowflake's top 42 bits count from it. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/** A person's message as the bridge takes it; undefined for bots, webhooks, our own posts, non-text. */
export function toInbound(raw: unknown, botUserId: string | undefined): InboundMessage | undefined {
  const id = str(field(raw, 'id'));
  const author = field(raw, 'author');
  const userId = str(field(author, 'id'));
  const content = str(field(raw, 'content'));
  const channelId = str(field(raw, 'channel_id'));
  if (!id || !userId || content === undefined || !channelId) return undefined;
  if (!PEOPLE_TYPES.has(num(field(raw, 'type')) ?? 0)) return undefined;
  if (field(author, 'bot') === true || field(raw, 'webhook_id') !== undefined || userId === botUserId) return undefined;
  const text = inboundText(content, botUserId);
  if (text === '') return undefined;
  const userName = str(field(author, 'global_name')) ?? str(field(author, 'username'));
  const at = Date.parse(str(field(raw, 'timestamp')) ?? '');
  return {
    provider: NAME,
    chatId: channelId,
    userId,
    ...(userName ? { userName } : {}),
    text,
    messageId: id,
    at: Number.isNaN(at) ? snowflakeTime(id) : at,
  };
}

export interface Press {
  interactionId: string;
  /** Answers this interaction (valid 15 minutes); not the bot's token. */
  interactionToken: string;
  message: InboundMessage;
}

/** A button press in `channelId`: the presser "sends" the button's command (its custom_id). */
export function toPress(raw: unknown, channelId: string): Press | undefined {
  const interactionId = str(field(raw, 'id'));
  const interactionToken = str(field(raw, 'token'));
  const command = str(field(field(raw, 'data'), 'custom_id'));
  // In a server the presser is `member.user`; in a DM, `user`.
  const user = field(field(raw, 'member'), 'user') ?? field(raw, 'user');
  const userId = str(field(user, 'id'));
  if (num(field(raw, 'type')) !== MESSAGE_COMPONENT || str(field(raw, 'channel_id')) !== channelId) return undefined;
  if (!interactionId || !interactionToken || !command || !userId) return undefined;
  const userName = str(field(user, 'global_name')) ?? str(field(user, 'username'));
  // The message that carried the button: an answer to the press replies to it.
  const carrier = str(field(field(raw, 'message'), 'id'));
  return {
    interactionId,
    interactionToken,
    message: {
      provider: NAME,
      chatId: channelId,
      userId,
      ...(userName ? { userName } : {}),
      text: command,
      messageId: `press:${interactionId}${carrier ? `@${carrier}` : ''}`,
      at: snowflakeTime(interactionId),
    },
  };
}

function snowflakeTime(id: string): number {
  try {
    return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
  } catch {
    return Date.now();
  }
}
