// Reading the channel's history (conversations.history, newest first in pages): where it ends
// now, and every message after a ts, oldest first. Polling reads it on every poll; Socket Mode
// at each connection, for what was written while no connection was open. See docs/providers.md#slack.
import type { Logger } from '../../log.js';
import { field, str } from './http.js';
import { SLACK_TIMEOUT_MS, type SlackApi } from './slackApi.js';
import { compareTs } from './slackText.js';

const HISTORY_PAGE = 200;
const HISTORY_MAX_PAGES = 20;

/** The channel's latest message's ts ("0" when the channel is empty). */
export async function latestTs(
  api: SlackApi,
  channel: string,
  signal?: AbortSignal,
  timeoutMs = SLACK_TIMEOUT_MS,
): Promise<string> {
  const result = await api.call('conversations.history', 'GET', { channel, limit: '1' }, signal, timeoutMs);
  const messages = field(result, 'messages');
  const latest = Array.isArray(messages) ? str(field(messages[0], 'ts')) : undefined;
  return latest ?? '0';
}

/** Every message after `oldest`, oldest first. */
export async function messagesSince(
  api: SlackApi,
  channel: string,
  oldest: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Array<{ ts: string }>> {
  const all: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page++) {
    if (page === HISTORY_MAX_PAGES) {
      // Only after an outage with thousands of messages: the newest are read, older ones skipped.
      logger.warn(
        { oldest, read: all.length },
        'slack: too many new messages since the last poll; the oldest are skipped',
      );
      break;
    }
    const query = { channel, oldest, inclusive: 'false', limit: String(HISTORY_PAGE), ...(cursor ? { cursor } : {}) };
    const result = await api.call('conversations.history', 'GET', query, signal);
    const messages = field(result, 'messages');
    if (Array.isArray(messages)) all.push(...messages);
    cursor = str(field(field(result, 'response_metadata'), 'next_cursor'));
    if (field(result, 'has_more') !== true || !cursor) break;
  }
  const withTs = all.filter(
    (m): m is { ts: string } => typeof field(m, 'ts') === 'string' && compareTs(str(field(m, 'ts')) ?? '0', oldest) > 0,
  );
  return withTs.sort((a, b) => compareTs(a.ts, b.ts));
}
