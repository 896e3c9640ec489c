// What a Slack message is for the bridge, whether it was read from conversations.history or came
// as a Socket Mode `message` event: people's messages only (bots, our own posts and subtypes such
// as joins or edits are not commands; thread_broadcast is), their markup turned back into the text
// typed, the `ts` as the message id. See docs/providers.md#slack.
import { field, str } from './http.js';
import { slackToPlain } from './slackText.js';
import type { InboundMessage } from './types.js';

export const SLACK = 'slack';

export function slackMessageToInbound(
  raw: unknown,
  channel: string,
  botUserId: string | undefined,
): InboundMessage | undefined {
  if (field(raw, 'type') !== 'message') return undefined;
  const ts = str(field(raw, 'ts'));
  const subtype = str(field(raw, 'subtype'));
  if (ts === undefined || (subtype !== undefined && subtype !== 'thread_broadcast')) return undefined;
  if (field(raw, 'bot_id') !== undefined || field(raw, 'bot_profile') !== undefined) return undefined;
  const user = str(field(raw, 'user'));
  const text = str(field(raw, 'text'));
  if (user === undefined || text === undefined || user === botUserId) return undefined;
  const profile = field(raw, 'user_profile');
  const userName =
    str(field(profile, 'display_name')) || str(field(profile, 'real_name')) || str(field(profile, 'name')) || undefined;
  return {
    provider: SLACK,
    chatId: channel,
    userId: user,
    ...(userName ? { userName } : {}),
    text: slackToPlain(text).trimStart(),
    messageId: ts,
    at: Math.round(Number(ts) * 1000),
  };
}

/** The ts a reply to this message threads under: its thread's root, or itself. */
export function threadRootOf(raw: unknown): string | undefined {
  return str(field(raw, 'thread_ts')) ?? str(field(raw, 'ts'));
}
