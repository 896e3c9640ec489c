// Slack provider (Web API, https://api.slack.com/methods).
//
// In: polling conversations.history on the one configured channel every
// bridge.slack.pollInterval, asking only for messages newer than the cursor (`oldest` = ts of
// the last message seen, saved after each one is handed to the bridge). The first start without
// a saved cursor begins at the channel's latest message: old history is never replayed as
// commands. Only people's messages count: bot messages (bot_id, our own posts included) and
// subtypes (joins, edits, topic changes…) are ignored, thread_broadcast excepted. Slack's markup
// in incoming text (&amp;, <https://…|label>, <@U123>) is turned back into plain text, and
// leading spaces are dropped (Slack's client makes people type " /status" to send "/status").
//
// Why not Socket Mode (the app token): it needs a WebSocket client, and Node 20 has no global
// WebSocket without --experimental-websocket; roshi adds no dependency for it. Polling needs only
// the bot token (scopes channels:history or groups:history, and chat:write). See docs/providers.md.
//
// Out: chat.postMessage. &, < and > are always escaped (Slack's control characters); 'plain'
// goes with mrkdwn off, 'markdown' is converted to Slack's mrkdwn (**b** → *b*, [t](u) → <u|t>).
//
// Errors: HTTP 429 → transient with retryAfterMs from Retry-After; 5xx, network and Slack's own
// transient codes (ratelimited, internal_error, …) → transient; any other `ok: false` →
// permanent with Slack's error code.
import type { Logger } from '../../log.js';
import type { RoshiConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import {
  DEFAULT_RETRY,
  RequestAborted,
  START_CALL_TIMEOUT_MS,
  backoffMs,
  deliver,
  errorText,
  field,
  providerLogger,
  readToken,
  redact,
  requestJson,
  retryAfterHeaderMs,
  saveCursor,
  str,
  type ProviderDeps,
} from './http.js';
import { sleep } from '../../time/sleep.js';
import { ProviderError, type InboundMessage, type MessagingProvider, type OutboundMessage } from './types.js';

export type { ProviderDeps } from './http.js';
export type SlackSettings = RoshiConfig['bridge']['slack'];

/**
 * chat.postMessage truncates text past 40,000 characters, counted after our escaping; '&' grows
 * five-fold as '&amp;', so 8,000 characters always fit.
 */
export const SLACK_MAX_LENGTH = 8_000;
const NAME = 'slack';
const TIMEOUT_MS = 30_000;
const HISTORY_PAGE = 200;
const HISTORY_MAX_PAGES = 20;
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

// ─── text ────────────────────────────────────────────────────────────────────────────────────

/** Escapes Slack's three control characters. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Ordinary Markdown → Slack mrkdwn; code spans and blocks are kept (only escaped). */
export function markdownToMrkdwn(markdown: string): string {
  // Code first, so nothing inside it is converted.
  const parts = markdown.split(/(```[\s\S]*?```|`[^`\n]+`)/g);
  return parts
    .map((part, index) => {
      if (index % 2 === 1) {
        // ```lang\n…``` → ```\n…``` (Slack shows a language tag as code)
        return escapeSlack(part.startsWith('```') ? part.replace(/^```[\w-]+\n/, '```\n') : part);
      }
      // Italics before bold and headings, which both produce single stars.
      return escapeSlack(part)
        .replace(
          /\[([^\]\n]+)\]\(([^()\s]+)\)/g,
          (_m, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`,
        )
        .replace(/(?<![*\w])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![*\w])/g, '_$1_')
        .replace(/\*\*(?!\s)([^\n]+?)(?<!\s)\*\*/g, '*$1*')
        .replace(/(?<!\w)__(?!\s)([^\n]+?)(?<!\s)__(?!\w)/g, '*$1*')
        .replace(/~~(?!\s)([^\n]+?)(?<!\s)~~/g, '~$1~')
        .replace(/^#{1,6}\s+(.+?)\s*#*\s*$/gm, (_m, title: string) => `*${title.replace(/^\*(.+)\*$/, '$1')}*`);
    })
    .join('');
}

/** Slack's markup in a received message → the text a person typed. */
export function slackToPlain(text: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_m, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@')) return label ? `@${label}` : target;
      if (target.startsWith('#')) return label ? `#${label}` : target;
      if (target.startsWith('!')) return `@${target.slice(1).split('^')[0] ?? ''}`;
      return target.startsWith('mailto:') && label ? label : target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Orders Slack timestamps ("1512085950.000216") without floating-point loss. */
export function compareTs(a: string, b: string): number {
  const key = (ts: string) => {
    const [seconds = '0', micros = ''] = ts.split('.');
    return `${seconds.padStart(12, '0')}.${micros.padEnd(6, '0')}`;
  };
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

// ─── provider ────────────────────────────────────────────────────────────────────────────────

export function createSlackProvider(settings: SlackSettings, deps: ProviderDeps): MessagingProvider {
  const botToken = readToken(
    deps.env,
    settings.botTokenEnv,
    'bridge.slack.botTokenEnv',
    'the Slack bot token (xoxb-…)',
  );
  if (!/^[CGD][A-Z0-9]{2,}$/.test(settings.channel)) {
    throw new ConfigError(
      'bridge.slack.channel',
      settings.channel,
      "a channel id such as C0123456789 (the channel's details in Slack show it), the one channel roshi listens and posts in",
    );
  }
  return new SlackProvider(settings, deps, botToken);
}

class SlackProvider implements MessagingProvider {
  readonly name = NAME;
  readonly maxLength = SLACK_MAX_LENGTH;
  readonly defaultChatId: string;
  private readonly logger: Logger;
  private readonly apiRoot: string;
  private readonly retry: { minMs: number; maxMs: number };
  private readonly secrets: string[];
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private botUserId: string | undefined;

  constructor(
    private readonly settings: SlackSettings,
    private readonly deps: ProviderDeps,
    private readonly token: string,
  ) {
    this.defaultChatId = settings.channel;
    this.logger = providerLogger(deps.logger, NAME);
    this.apiRoot = settings.apiUrl.replace(/\/+$/, '');
    this.retry = deps.retry ?? DEFAULT_RETRY;
    const appToken = deps.env[settings.appTokenEnv];
    this.secrets = [token, ...(appToken ? [appToken] : [])];
  }

  async start(onMessage: (message: InboundMessage) => Promise<void>): Promise<void> {
    if (this.loop) throw new Error('slack provider already started');
    this.stopController = new AbortController();
    const signal = this.stopController.signal;
    try {
      const auth = await this.call('auth.test', 'POST', {}, signal, START_CALL_TIMEOUT_MS);
      this.botUserId = str(field(auth, 'user_id'));
      this.logger.info(
        { team: str(field(auth, 'team')), botUser: this.botUserId, channel: this.settings.channel },
        'slack: connected (polling conversations.history)',
      );
    } catch (error) {
      if (error instanceof RequestAborted) return;
      if (error instanceof ProviderError && !error.transient) throw error;
      this.logger.warn({ err: errorText(error) }, 'slack: cannot reach the Web API yet; will keep trying');
    }
    let oldest = await this.deps.cursor.load();
    if (oldest === undefined || oldest === '') {
      try {
        oldest = await this.latestTs(signal, START_CALL_TIMEOUT_MS);
      } catch (error) {
        if (error instanceof RequestAborted) return;
        if (error instanceof ProviderError && !error.transient) throw error;
        oldest = undefined;
        this.logger.warn({ err: errorText(error) }, 'slack: cannot read the channel yet; will keep trying');
      }
    }
    if (signal.aborted) return; // stop() came while starting
    this.loop = this.receive(onMessage, oldest);
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    const loop = this.loop;
    this.loop = undefined;
    await loop;
  }

  async send(message: OutboundMessage): Promise<void> {
    if (message.text.trim() === '') throw new ProviderError('slack: refusing to send an empty message', NAME, false);
    const markdown = message.format === 'markdown';
    await this.call('chat.postMessage', 'POST', {
      channel: message.chatId ?? this.defaultChatId,
      text: markdown ? markdownToMrkdwn(message.text) : escapeSlack(message.text),
      mrkdwn: markdown,
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  /** The ts to start from on a first start: the channel's latest message ("0" when empty). */
  private async latestTs(signal: AbortSignal, timeoutMs = TIMEOUT_MS): Promise<string> {
    const result = await this.call(
      'conversations.history',
      'GET',
      { channel: this.settings.channel, limit: '1' },
      signal,
      timeoutMs,
    );
    const messages = field(result, 'messages');
    const latest = Array.isArray(messages) ? str(field(messages[0], 'ts')) : undefined;
    const ts = latest ?? '0';
    await saveCursor(this.deps.cursor, ts, this.logger);
    this.logger.info({ oldest: ts }, 'slack: first start: channel history skipped');
    return ts;
  }

  private async receive(
    onMessage: (message: InboundMessage) => Promise<void>,
    initialOldest: string | undefined,
  ): Promise<void> {
    const signal = this.stopController.signal;
    let oldest = initialOldest;
    let failures = 0;
    while (!signal.aborted) {
      let messages: unknown[];
      try {
        if (oldest === undefined) oldest = await this.latestTs(signal);
        messages = await this.newMessages(oldest, signal);
        failures = 0;
      } catch (error) {
        if (error instanceof RequestAborted || signal.aborted) break;
        failures++;
        const wait = Math.max(backoffMs(failures, this.retry, error), this.settings.pollInterval);
        const level = error instanceof ProviderError && !error.transient ? 'error' : 'warn';
        this.logger[level]({ err: errorText(error), failures, retryInMs: wait }, 'slack: conversations.history failed');
        await sleep(wait, { signal });
        continue;
      }
      for (const raw of messages) {
        const ts = str(field(raw, 'ts'));
        if (ts === undefined) continue;
        const message = this.toInbound(raw, ts);
        if (message && !(await deliver(onMessage, message, this.logger, signal))) return;
        oldest = ts;
        await saveCursor(this.deps.cursor, ts, this.logger);
        if (signal.aborted) return;
      }
      await sleep(this.settings.pollInterval, { signal });
    }
  }

  /** Every message after `oldest`, oldest first (Slack pages newest first). */
  private async newMessages(oldest: string, signal: AbortSignal): Promise<unknown[]> {
    const all: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page === HISTORY_MAX_PAGES) {
        // Only after an outage with thousands of messages: the newest are read, older ones skipped.
        this.logger.warn(
          { oldest, read: all.length },
          'slack: too many new messages since the last poll; the oldest are skipped',
        );
        break;
      }
      const result = await this.call(
        'conversations.history',
        'GET',
        {
          channel: this.settings.channel,
          oldest,
          inclusive: 'false',
          limit: String(HISTORY_PAGE),
          ...(cursor ? { cursor } : {}),
        },
        signal,
      );
      const messages = field(result, 'messages');
      if (Array.isArray(messages)) all.push(...messages);
      cursor = str(field(field(result, 'response_metadata'), 'next_cursor'));
      if (field(result, 'has_more') !== true || !cursor) break;
    }
    const withTs = all.filter(
      (m): m is { ts: string } =>
        typeof field(m, 'ts') === 'string' && compareTs(str(field(m, 'ts')) ?? '0', oldest) > 0,
    );
    return withTs.sort((a, b) => compareTs(a.ts, b.ts));
  }

  private toInbound(raw: unknown, ts: string): InboundMessage | undefined {
    if (field(raw, 'type') !== 'message') return undefined;
    const subtype = str(field(raw, 'subtype'));
    if (subtype !== undefined && subtype !== 'thread_broadcast') return undefined;
    if (field(raw, 'bot_id') !== undefined || field(raw, 'bot_profile') !== undefined) return undefined;
    const user = str(field(raw, 'user'));
    const text = str(field(raw, 'text'));
    if (user === undefined || text === undefined || user === this.botUserId) return undefined;
    const profile = field(raw, 'user_profile');
    const userName =
      str(field(profile, 'display_name')) ||
      str(field(profile, 'real_name')) ||
      str(field(profile, 'name')) ||
      undefined;
    return {
      provider: NAME,
      chatId: this.settings.channel,
      userId: user,
      ...(userName ? { userName } : {}),
      text: slackToPlain(text).trimStart(),
      messageId: ts,
      at: Math.round(Number(ts) * 1000),
    };
  }

  /** One Web API call: `ok: true` → the whole answer; ProviderError otherwise. */
  private async call(
    method: string,
    httpMethod: 'GET' | 'POST',
    params: Record<string, unknown>,
    signal?: AbortSignal,
    timeoutMs = TIMEOUT_MS,
  ): Promise<unknown> {
    let url = `${this.apiRoot}/${method}`;
    if (httpMethod === 'GET') {
      const query = new URLSearchParams(params as Record<string, string>).toString();
      if (query) url += `?${query}`;
    }
    const response = await requestJson({
      provider: NAME,
      what: method,
      method: httpMethod,
      url,
      headers: { authorization: `Bearer ${this.token}` },
      ...(httpMethod === 'POST' ? { body: params } : {}),
      timeoutMs,
      ...(signal ? { signal } : {}),
      secrets: this.secrets,
    });
    const body = response.body;
    const scrub = (text: string) => redact(text, this.secrets);
    if (response.status === 429) {
      throw new ProviderError(
        scrub(`slack: ${method} rate limited`),
        NAME,
        true,
        retryAfterHeaderMs(response.headers) ?? 1_000,
      );
    }
    if (response.status >= 500)
      throw new ProviderError(scrub(`slack: ${method} failed: HTTP ${response.status}`), NAME, true);
    if (response.status === 200 && field(body, 'ok') === true) return body;
    const code = str(field(body, 'error')) ?? `HTTP ${response.status}`;
    if (TRANSIENT_CODES.has(code)) {
      throw new ProviderError(
        scrub(`slack: ${method} failed: ${code}`),
        NAME,
        true,
        code.includes('rate') ? (retryAfterHeaderMs(response.headers) ?? 1_000) : undefined,
      );
    }
    const needed = str(field(body, 'needed'));
    const hint =
      code === 'missing_scope' && needed
        ? ` (the app needs the ${needed} scope: add it under OAuth & Permissions and reinstall)`
        : code === 'not_in_channel'
          ? ` (invite the app to ${this.settings.channel}: /invite @<app name>)`
          : code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked'
            ? ` (check the bot token in ${this.settings.botTokenEnv})`
            : '';
    throw new ProviderError(scrub(`slack: ${method} refused: ${code}${hint}`), NAME, false);
  }
}
