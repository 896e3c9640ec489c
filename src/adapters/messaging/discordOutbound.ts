// The body of Discord's Create Message (https://discord.com/developers/docs/resources/message#create-message)
// for an outbound message: content escaped unless it is Markdown, nobody pinged but the operator a
// reply answers, the reply's reference, the actions as buttons. See docs/chat.md#discord.
import { DISCORD_CONTENT_LIMIT, SNOWFLAKE, actionRows, escapeDiscord } from './discordText.js';
import type { MessageAction, OutboundMessage } from './types.js';

export interface CreateMessage {
  body: Record<string, unknown>;
  /** Actions left out: beyond Discord's button limits. */
  dropped: MessageAction[];
}

export function createMessageBody(message: OutboundMessage): CreateMessage {
  const content = message.format === 'markdown' ? message.text : escapeDiscord(message.text, DISCORD_CONTENT_LIMIT);
  const { rows, dropped } = actionRows(message.actions ?? []);
  const replyTo = replyTarget(message.replyTo);
  const body = {
    content,
    // Never ping @everyone, a role or a user a text names; the operator a reply answers, yes.
    allowed_mentions: { parse: [], replied_user: true },
    // A deleted original does not fail the send: the message goes without the reference.
    ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
    ...(rows.length > 0 ? { components: rows } : {}),
  };
  return { body, dropped };
}

/** The message a reply answers: the operator's message, or for a press the one carrying the button. */
function replyTarget(replyTo: string | undefined): string | undefined {
  if (replyTo === undefined) return undefined;
  const carrier = /^press:\d+@(\d+)$/.exec(replyTo)?.[1];
  const target = carrier ?? replyTo;
  return SNOWFLAKE.test(target) ? target : undefined;
}
