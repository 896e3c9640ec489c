// Reading the channel's history over REST (GET /channels/{id}/messages): the latest message id
// (a first start skips what came before), and every message after the cursor, oldest first (what
// came while roshi was away or in a session Discord would not resume). See docs/chat.md#discord.
import type { Logger } from '../../log.js';
import { sleep } from '../../time/sleep.js';
import type { DiscordApi } from './discordApi.js';
import { compareSnowflakes } from './discordText.js';
import { RequestAborted, backoffMs, errorText, field, str } from './http.js';
import { ProviderError } from './types.js';

const PAGE = 100;
/** 2 000 messages: only an outage with more than that skips the oldest of them. */
const MAX_PAGES = 20;

export class DiscordHistory {
  constructor(
    private readonly api: DiscordApi,
    private readonly channelId: string,
    private readonly logger: Logger,
  ) {}

  /** The channel's latest message id, "0" when it has none. */
  async latestId(signal: AbortSignal): Promise<string> {
    const page = await this.page({ limit: '1' }, signal);
    return str(field(page[0], 'id')) ?? '0';
  }

  /**
   * Hands every message after `after()` to `handle`, oldest first, page by page. A failed read is
   * tried again (backoff) until it answers or the provider stops; a refusal (no Read Message
   * History) is logged and given up: live messages still arrive.
   */
  async since(
    after: () => string,
    handle: (message: unknown) => Promise<void>,
    signal: AbortSignal,
    retry: { minMs: number; maxMs: number } = { minMs: 250, maxMs: 1_000 },
  ): Promise<void> {
    let failures = 0;
    for (let pages = 0; pages < MAX_PAGES && !signal.aborted; ) {
      let messages: unknown[];
      try {
        messages = await this.page({ after: after(), limit: String(PAGE) }, signal);
        failures = 0;
      } catch (error) {
        if (error instanceof RequestAborted || signal.aborted) return;
        if (error instanceof ProviderError && !error.transient) {
          this.logger.error(
            { err: errorText(error) },
            'discord: cannot read the channel history; messages sent while away are not read',
          );
          return;
        }
        failures++;
        const wait = backoffMs(failures, retry, error);
        this.logger.warn({ err: errorText(error), retryInMs: wait }, 'discord: reading the channel history failed');
        await sleep(wait, { signal });
        continue;
      }
      pages++;
      const sorted = messages
        .filter((m) => typeof field(m, 'id') === 'string')
        .sort((a, b) => compareSnowflakes(str(field(a, 'id')) ?? '0', str(field(b, 'id')) ?? '0'));
      for (const message of sorted) await handle(message);
      if (messages.length < PAGE) return;
    }
    if (!signal.aborted)
      this.logger.warn(
        { pages: MAX_PAGES },
        'discord: too many messages since the last one read; the rest are skipped',
      );
  }

  private async page(query: Record<string, string>, signal: AbortSignal): Promise<unknown[]> {
    const answer = await this.api.call({
      what: 'getChannelMessages',
      method: 'GET',
      path: `/channels/${this.channelId}/messages?${new URLSearchParams(query)}`,
      signal,
    });
    return Array.isArray(answer) ? answer : [];
  }
}
