// One inbound message's identity across restarts: the provider, its chat and the provider's own
// id of the message (Telegram message id, Slack ts, Matrix event id). Every effect of a message
// (a mission, a chat turn, a reply) is keyed by it, so a redelivery after a crash repeats none.
// See docs/chat.md#exactly-once-intake.
import type { InboundMessage } from '../adapters/messaging/types.js';

export function messageIdentity(message: Pick<InboundMessage, 'provider' | 'chatId' | 'messageId'>): string {
  return `${message.provider}:${message.chatId}:${message.messageId}`;
}
