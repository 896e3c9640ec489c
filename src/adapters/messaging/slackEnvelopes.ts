// What a Socket Mode envelope (https://docs.slack.dev/apis/events-api/using-socket-mode) is for
// the bridge: an `events_api` message event in the channel (as slackInbound.ts reads it), a
// `slash_commands` invocation (`/roshi status` → `/status`) or an `interactive` button press
// (block_actions on one of our buttons → its command, from the person who pressed it). Slash
// commands and presses are acknowledged at once (after 3 s Slack shows the person an error, and
// never retries them); their id is the interaction's trigger_id. See docs/providers.md#slack.
import { field, str } from './http.js';
import { ACTION_ID_PREFIX } from './slackBlocks.js';
import { SLACK, slackMessageToInbound, threadRootOf } from './slackInbound.js';
import { slackToPlain } from './slackText.js';
import type { InboundMessage } from './types.js';

export interface EnvelopeIntake {
  message?: InboundMessage;
  /** The ts a reply to the message threads under, when it has one. */
  threadTs?: string;
  /** Acknowledge before handing over (slash commands, presses) rather than after. */
  ackFirst: boolean;
  /** What the ack carries (a slash command's answer, shown to the person only). */
  ackPayload?: Record<string, unknown>;
}

export function readEnvelope(
  type: string,
  body: unknown,
  channel: string,
  botUserId: string | undefined,
  envelopeId: string,
): EnvelopeIntake {
  if (type === 'events_api') {
    const event = field(body, 'event');
    if (field(event, 'channel') !== channel) return { ackFirst: false };
    const message = slackMessageToInbound(event, channel, botUserId);
    const threadTs = threadRootOf(event);
    return { ackFirst: false, ...(message ? { message } : {}), ...(threadTs ? { threadTs } : {}) };
  }
  if (type === 'slash_commands') return slashCommand(body, channel, envelopeId);
  if (type === 'interactive') return buttonPress(body, channel, envelopeId);
  return { ackFirst: true };
}

/** `/roshi status` → `/status`; `/roshi` alone → `/help`. */
export function slashCommandText(text: string): string {
  const typed = slackToPlain(text).trim();
  if (typed === '') return '/help';
  return typed.startsWith('/') ? typed : `/${typed}`;
}

function slashCommand(body: unknown, channel: string, envelopeId: string): EnvelopeIntake {
  const user = str(field(body, 'user_id'));
  if (user === undefined) return { ackFirst: true };
  if (field(body, 'channel_id') !== channel) {
    const text = `roshi takes commands in <#${channel}> only.`;
    return { ackFirst: true, ackPayload: { response_type: 'ephemeral', text } };
  }
  const userName = str(field(body, 'user_name'));
  const message: InboundMessage = {
    provider: SLACK,
    chatId: channel,
    userId: user,
    ...(userName ? { userName } : {}),
    text: slashCommandText(str(field(body, 'text')) ?? ''),
    messageId: str(field(body, 'trigger_id')) ?? envelopeId,
    at: Date.now(),
  };
  return { ackFirst: true, message };
}

function buttonPress(body: unknown, channel: string, envelopeId: string): EnvelopeIntake {
  if (field(body, 'type') !== 'block_actions') return { ackFirst: true };
  const actions = field(body, 'actions');
  const action = Array.isArray(actions)
    ? actions.find((a) => str(field(a, 'action_id'))?.startsWith(ACTION_ID_PREFIX))
    : undefined;
  const command = str(field(action, 'value'));
  const user = field(body, 'user');
  const userId = str(field(user, 'id'));
  const container = field(body, 'container');
  const where = str(field(field(body, 'channel'), 'id')) ?? str(field(container, 'channel_id'));
  if (command === undefined || userId === undefined || where !== channel) return { ackFirst: true };
  const userName = str(field(user, 'username')) ?? str(field(user, 'name'));
  const threadTs = str(field(field(body, 'message'), 'thread_ts')) ?? str(field(container, 'message_ts'));
  const message: InboundMessage = {
    provider: SLACK,
    chatId: channel,
    userId,
    ...(userName ? { userName } : {}),
    text: command,
    messageId: str(field(body, 'trigger_id')) ?? envelopeId,
    at: Date.now(),
  };
  return { ackFirst: true, message, ...(threadTs ? { threadTs } : {}) };
}
