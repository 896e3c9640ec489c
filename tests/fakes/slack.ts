// A local stand-in for the Slack Web API (node:http on 127.0.0.1, random port), answering in the
// documented shapes (https://api.slack.com/web):
//   success      200 { ok: true, ... }
//   API error    200 { ok: false, error: "channel_not_found" } (missing_scope adds `needed`)
//   rate limit   429 { ok: false, error: "ratelimited" } with a Retry-After header (seconds)
// Methods take the token as `Authorization: Bearer xoxb-…` (or a `token` parameter); parameters
// come as a query string, a form or JSON.
//
// Methods: auth.test, conversations.history (channel, oldest, latest, inclusive, limit, cursor;
// newest first; has_more and response_metadata.next_cursor), chat.postMessage (channel, text,
// thread_ts, blocks; the posted message joins the channel's history as the bot's, with bot_id, as
// in Slack), apps.connections.open (the app-level token only: Socket Mode, tests/fakes/slackSocket.ts;
// every message then also goes out as an events_api envelope). Faults are injected with failNext.
// Recorded requests never carry a token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFake, readBody, sendJson } from './httpFake.js';
import {
  attachSlackSocket,
  blockActionsPayload,
  messageEventPayload,
  slashCommandPayload,
  type FakeSlackSocket,
  type SlackEnvelope,
} from './slackSocket.js';

export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  subtype?: string;
  bot_id?: string;
  [key: string]: unknown;
}

export interface RecordedSlackRequest {
  method: string;
  httpMethod: string;
  params: Record<string, unknown>;
  authorized: boolean;
  at: number;
}

export interface SlackFault {
  /** HTTP status: 429 (with retryAfter), 5xx, or 200 for an `ok: false` answer. */
  status: number;
  /** Slack's error code in the body (default "ratelimited" for 429, "internal_error" otherwise). */
  error?: string;
  /** Retry-After header, seconds. */
  retryAfter?: number;
  /** Extra body fields, e.g. { needed: 'channels:history' }. */
  extra?: Record<string, unknown>;
  times?: number;
}

export interface FakeSlack {
  /** The apiUrl to configure (http://127.0.0.1:<port>/api). */
  url: string;
  botToken: string;
  /** The app-level token (xapp-…) apps.connections.open takes. */
  appToken: string;
  botUserId: string;
  botId: string;
  requests: RecordedSlackRequest[];
  /** Accepted chat.postMessage calls, in order. */
  posted: Array<{ channel: string; text: string; mrkdwn: unknown; ts: string; thread_ts?: unknown; blocks?: unknown }>;
  /** Socket Mode: connections, envelopes and acks. */
  socket: FakeSlackSocket;
  /** `user` types `/roshi <text>` in `channel`; the slash_commands envelope sent. */
  slashCommand(channel: string, user: string, text: string): SlackEnvelope;
  /** `user` presses the button whose value is `value` under the bot's message `ts`. */
  pressButton(channel: string, user: string, ts: string, value: string): SlackEnvelope;
  /** A person writes in a channel; returns the stored message. */
  postUserMessage(channel: string, user: string, text: string, extra?: Partial<SlackMessage>): SlackMessage;
  /** Any message (bot messages, subtypes); ts assigned. */
  addMessage(channel: string, message: Omit<SlackMessage, 'ts' | 'type'>): SlackMessage;
  history(channel: string): SlackMessage[];
  failNext(method: string, fault: SlackFault): void;
  stop(): Promise<void>;
}

export async function startFakeSlack(
  options: { botToken?: string; appToken?: string; channels?: string[] } = {},
): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-1111111111-2222222222-FakeSlackBotToken00';
  const appToken = options.appToken ?? 'xapp-1-A0ROSHI-1234567890-FakeAppLevelToken';
  const botUserId = 'U0ROSHIBOT';
  const botId = 'B0ROSHIBOT';
  const channels = new Map<string, SlackMessage[]>((options.channels ?? ['C0TESTCHAN']).map((c) => [c, []]));
  const requests: RecordedSlackRequest[] = [];
  const posted: FakeSlack['posted'] = [];
  const faults = new Map<string, Array<SlackFault & { remaining: number }>>();
  let lastSeconds = 0;
  let lastMicros = 0;

  function nextTs(): string {
    const seconds = Math.floor(Date.now() / 1000);
    if (seconds > lastSeconds) {
      lastSeconds = seconds;
      lastMicros = 1;
    } else {
      lastMicros++;
    }
    return `${lastSeconds}.${String(lastMicros).padStart(6, '0')}`;
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void =>
    sendJson(res, status, body, { 'content-type': 'application/json; charset=utf-8', ...headers });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const full = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params: Record<string, unknown> = Object.fromEntries(full.searchParams);
    const type = req.headers['content-type'] ?? '';
    if (raw && type.startsWith('application/json')) {
      try {
        Object.assign(params, JSON.parse(raw));
      } catch {
        return send(res, 200, { ok: false, error: 'invalid_json' });
      }
    } else if (raw) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
    }
    const method = full.pathname.replace(/^\/api\//, '');
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof params.token === 'string'
        ? params.token
        : undefined;
    delete params.token;
    const wanted = method === 'apps.connections.open' ? appToken : botToken;
    requests.push({ method, httpMethod: req.method ?? 'GET', params, authorized: given === wanted, at: Date.now() });
    if (!full.pathname.startsWith('/api/')) return send(res, 404, { ok: false, error: 'unknown_method' });
    if (given === undefined) return send(res, 200, { ok: false, error: 'not_authed' });
    // App-level tokens only open connections; bot tokens cannot (Slack: not_allowed_token_type).
    if (given === botToken || given === appToken) {
      if (given !== wanted) return send(res, 200, { ok: false, error: 'not_allowed_token_type' });
    } else return send(res, 200, { ok: false, error: 'invalid_auth' });

    const queue = faults.get(method);
    const fault = queue?.[0];
    if (queue && fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      const error = fault.error ?? (fault.status === 429 ? 'ratelimited' : 'internal_error');
      return send(
        res,
        fault.status,
        { ok: false, error, ...fault.extra },
        fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {},
      );
    }

    switch (method) {
      case 'apps.connections.open':
        return send(res, 200, { ok: true, url: socket.openUrl(http.url) });
      case 'auth.test':
        return send(res, 200, {
          ok: true,
          url: 'https://roshi-test.slack.com/',
          team: 'roshi test',
          user: 'roshi',
          team_id: 'T0ROSHI',
          user_id: botUserId,
          bot_id: botId,
          is_enterprise_install: false,
        });
      case 'conversations.history': {
        const channel = String(params.channel ?? '');
        const list = channels.get(channel);
        if (!list) return send(res, 200, { ok: false, error: 'channel_not_found' });
        const oldest = params.oldest !== undefined ? String(params.oldest) : undefined;
        const latest = params.latest !== undefined ? String(params.latest) : undefined;
        const inclusive = params.inclusive === true || params.inclusive === 'true' || params.inclusive === '1';
        const limit = Math.min(999, Math.max(1, Number(params.limit ?? 100) || 100));
        const start =
          typeof params.cursor === 'string' && params.cursor
            ? Number(Buffer.from(params.cursor, 'base64').toString().replace('next_ts:', '')) || 0
            : 0;
        const cmp = (a: string, b: string) => Number(a) - Number(b);
        const matching = list
          .filter((m) => (oldest === undefined ? true : inclusive ? cmp(m.ts, oldest) >= 0 : cmp(m.ts, oldest) > 0))
          .filter((m) => (latest === undefined ? true : inclusive ? cmp(m.ts, latest) <= 0 : cmp(m.ts, latest) < 0))
          .sort((a, b) => cmp(b.ts, a.ts));
        const page = matching.slice(start, start + limit);
        const hasMore = start + limit < matching.length;
        return send(res, 200, {
          ok: true,
          messages: page,
          has_more: hasMore,
          pin_count: 0,
          channel_actions_ts: null,
          channel_actions_count: 0,
          response_metadata: { next_cursor: hasMore ? Buffer.from(`next_ts:${start + limit}`).toString('base64') : '' },
        });
      }
      case 'chat.postMessage': {
        const channel = String(params.channel ?? '');
        const list = channels.get(channel);
        if (!list) return send(res, 200, { ok: false, error: 'channel_not_found' });
        const text = typeof params.text === 'string' ? params.text : '';
        if (text === '') return send(res, 200, { ok: false, error: 'no_text' });
        if (text.length > 40_000) return send(res, 200, { ok: false, error: 'msg_too_long' });
        const message: SlackMessage = {
          type: 'message',
          ts: nextTs(),
          text,
          user: botUserId,
          bot_id: botId,
          app_id: 'A0ROSHI',
          team: 'T0ROSHI',
          bot_profile: { id: botId, name: 'roshi' },
        };
        if (params.thread_ts !== undefined) message.thread_ts = String(params.thread_ts);
        if (params.blocks !== undefined)
          message.blocks = typeof params.blocks === 'string' ? JSON.parse(params.blocks) : params.blocks;
        list.push(message);
        posted.push({
          channel,
          text,
          mrkdwn: params.mrkdwn,
          ts: message.ts,
          ...(params.thread_ts !== undefined ? { thread_ts: params.thread_ts } : {}),
          ...(message.blocks !== undefined ? { blocks: message.blocks } : {}),
        });
        socket.send('events_api', messageEventPayload(channel, message));
        return send(res, 200, { ok: true, channel, ts: message.ts, message });
      }
      default:
        return send(res, 200, { ok: false, error: 'unknown_method' });
    }
  }

  const http = await HttpFake.listen(handle, (res, error) =>
    send(res, 500, { ok: false, error: `fake slack: ${String(error)}` }),
  );
  const url = `${http.url}/api`;
  const socket = attachSlackSocket(http);

  const fake: FakeSlack = {
    url,
    botToken,
    appToken,
    botUserId,
    botId,
    requests,
    posted,
    addMessage(channel, message) {
      const list = channels.get(channel);
      if (!list) throw new Error(`fake slack: no channel ${channel}`);
      const full = { type: 'message', ts: nextTs(), ...message } as SlackMessage;
      list.push(full);
      socket.send('events_api', messageEventPayload(channel, full));
      return full;
    },
    postUserMessage(channel, user, text, extra = {}) {
      return fake.addMessage(channel, { user, text, team: 'T0ROSHI', ...extra });
    },
    history: (channel) => [...(channels.get(channel) ?? [])],
    failNext(method, fault) {
      const queue = faults.get(method) ?? [];
      queue.push({ ...fault, remaining: fault.times ?? 1 });
      faults.set(method, queue);
    },
    socket,
    slashCommand: (channel, user, text) => socket.send('slash_commands', slashCommandPayload(channel, user, text)),
    pressButton(channel, user, ts, value) {
      const message = channels.get(channel)?.find((m) => m.ts === ts);
      if (!message) throw new Error(`fake slack: no message ${ts} in ${channel}`);
      return socket.send('interactive', blockActionsPayload(channel, user, message, value));
    },
    async stop() {
      await socket.close();
      await http.close();
    },
  };
  return fake;
}
