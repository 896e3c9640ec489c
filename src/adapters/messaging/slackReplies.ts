// Sending to Slack, for both ways of receiving (polling and Socket Mode): chat.postMessage with
// the message's blocks (slackBlocks.ts) in the thread of the message it answers. Slack threads
// under a root message's ts only, so the root of each message handed over is remembered (the last
// few thousand); a reply to one not remembered (after a restart) threads under the id itself when
// it is a ts, and goes to the channel when it is not (a slash command's trigger id).
// See docs/providers.md#slack.
import { refuseEmptyText } from './apiErrors.js';
import { postMessageParams } from './slackBlocks.js';
import type { SlackApi } from './slackApi.js';
import type { OutboundMessage } from './types.js';

/**
 * chat.postMessage truncates text past 40,000 characters, counted after our escaping; '&' grows
 * five-fold as '&amp;', so 8,000 characters always fit.
 */
export const SLACK_MAX_LENGTH = 8_000;
const REMEMBERED = 5_000;
const TS = /^\d+\.\d+$/;

export class SlackReplies {
  /** Message id → the ts of the thread a reply to it belongs in. */
  private readonly roots = new Map<string, string>();

  constructor(
    private readonly api: SlackApi,
    private readonly channel: string,
  ) {}

  /** Notes where replies to `messageId` thread. */
  remember(messageId: string, rootTs: string | undefined): void {
    if (rootTs === undefined || !TS.test(rootTs)) return;
    this.roots.delete(messageId);
    this.roots.set(messageId, rootTs);
    if (this.roots.size > REMEMBERED) this.roots.delete(this.roots.keys().next().value as string);
  }

  async send(message: OutboundMessage): Promise<void> {
    refuseEmptyText('slack', message);
    const replyTo = message.replyTo;
    const thread =
      replyTo === undefined ? undefined : (this.roots.get(replyTo) ?? (TS.test(replyTo) ? replyTo : undefined));
    await this.api.call('chat.postMessage', 'POST', postMessageParams(message, message.chatId ?? this.channel, thread));
  }
}
