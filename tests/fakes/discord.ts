// A local stand-in for Discord (node:http + ws on 127.0.0.1, random port): the REST API under
// /api/v10 in its documented shapes (https://discord.com/developers/docs/reference) and the
// Gateway (tests/fakes/discordGateway.ts) on the same port.
//   GET  /users/@me, /gateway/bot, /channels/{id}/messages (after, limit; newest first)
//   POST /channels/{id}/messages (content ≤ 2000, message_reference, components, allowed_mentions)
//   POST /channels/{id}/typing, /interactions/{id}/{token}/callback (no bot token needed)
// Errors: 401 { message, code: 0 }, 404 { message: 'Unknown Channel', code: 10003 }, 400 Invalid
// Form Body (code 50035), 429 { message, retry_after (s), global } with Retry-After. Bot calls
// need `Authorization: Bot <token>`. Faults come from failNext. Recorded requests hold no token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpFake, jsonOrText, readBody, sendJson } from './httpFake.js';
import { FakeGateway } from './discordGateway.js';

export interface DiscordMessage {
  id: string;
  channel_id: string;
  type: number;
  content: string;
  author: { id: string; username: string; global_name?: string | null; bot?: boolean };
  timestamp: string;
  webhook_id?: string;
  message_reference?: unknown;
  components?: unknown;
  [key: string]: unknown;
}

export interface RecordedDiscordRequest {
  method: string;
  path: string;
  body: unknown;
  authorized: boolean;
  at: number;
}

export interface DiscordFault {
  status: 429 | 500 | 502 | 503 | 400 | 403 | 404;
  /** 429: seconds, in the body's retry_after and the Retry-After header. */
  retryAfter?: number;
  message?: string;
  code?: number;
  times?: number;
}

/** Routes as failNext names them. */
export type DiscordRoute = 'createMessage' | 'getChannelMessages' | 'getCurrentUser' | 'getGatewayBot';

const EPOCH = 1_420_070_400_000n;

export async function startFakeDiscord(options: { channels?: string[]; heartbeatMs?: number } = {}) {
  const token = 'MTA1MjM0NTY3ODkwMTIzNDU2Nw.GhIjKl.FakeDiscordBotTokenNotReal0123456789';
  const bot = { id: '1052345678901234567', username: 'roshi', global_name: null, bot: true };
  const channels = new Map<string, DiscordMessage[]>((options.channels ?? ['1100000000000000001']).map((c) => [c, []]));
  const requests: RecordedDiscordRequest[] = [];
  const posted: DiscordMessage[] = [];
  const interactionAnswers: Array<{ interactionId: string; type: unknown }> = [];
  const interactions = new Map<string, string>();
  const faults = new Map<DiscordRoute, Array<DiscordFault & { remaining: number }>>();
  let last = 0n;
  const snowflake = (): string => {
    const next = (BigInt(Date.now()) - EPOCH) << 22n;
    last = next > last ? next : last + 1n;
    return String(last);
  };

  const gateway = new FakeGateway(
    token,
    () => ({ user: bot, application: { id: bot.id } }),
    options.heartbeatMs ?? 200,
    () => `ws://127.0.0.1:${http.port}`,
  );

  function store(
    channelId: string,
    message: Pick<DiscordMessage, 'type' | 'content' | 'author'> & Partial<DiscordMessage>,
  ): DiscordMessage {
    const list = channels.get(channelId);
    if (!list) throw new Error(`fake discord: no channel ${channelId}`);
    const full: DiscordMessage = {
      id: snowflake(),
      channel_id: channelId,
      timestamp: new Date().toISOString(),
      ...message,
    };
    list.push(full);
    gateway.dispatch('MESSAGE_CREATE', { ...full, guild_id: '1000000000000000001', mentions: [] });
    return full;
  }

  function route(method: string, path: string): { route?: DiscordRoute; params: string[] } {
    const m = (re: RegExp) => re.exec(path)?.slice(1);
    if (method === 'GET' && path === '/users/@me') return { route: 'getCurrentUser', params: [] };
    if (method === 'GET' && path === '/gateway/bot') return { route: 'getGatewayBot', params: [] };
    const messages = m(/^\/channels\/(\d+)\/messages$/);
    if (messages) return { route: method === 'GET' ? 'getChannelMessages' : 'createMessage', params: messages };
    return { params: [] };
  }

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void => {
    if (status === 204) res.writeHead(204).end();
    else sendJson(res, status, body, headers);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = jsonOrText(await readBody(req));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v10/, '');
    const authorized = req.headers.authorization === `Bot ${token}`;
    requests.push({ method, path: `${path}${url.search}`, body, authorized, at: Date.now() });

    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    if (method === 'POST' && callback) {
      if (interactions.get(callback[1]!) !== callback[2])
        return send(res, 404, { message: 'Unknown interaction', code: 10062 });
      interactionAnswers.push({ interactionId: callback[1]!, type: (body as { type?: unknown })?.type });
      return send(res, 204);
    }
    const { route: name, params } = route(method, path);
    const queue = name ? faults.get(name) : undefined;
    const fault = queue?.[0];
    if (queue && fault) {
      if (--fault.remaining <= 0) queue.shift();
      if (fault.status === 429) {
        const seconds = fault.retryAfter ?? 1;
        return send(
          res,
          429,
          { message: 'You are being rate limited.', retry_after: seconds, global: false },
          { 'retry-after': String(Math.ceil(seconds)) },
        );
      }
      return send(res, fault.status, { message: fault.message ?? 'Internal Server Error', code: fault.code ?? 0 });
    }
    // Faults first, as a proxy in front of Discord answers before Discord checks the token.
    if (!authorized) return send(res, 401, { message: '401: Unauthorized', code: 0 });

    const typing = /^\/channels\/(\d+)\/typing$/.exec(path);
    if (method === 'POST' && typing)
      return send(res, channels.has(typing[1]!) ? 204 : 404, { message: 'Unknown Channel', code: 10003 });
    if (name === 'getCurrentUser') return send(res, 200, bot);
    if (name === 'getGatewayBot')
      return send(res, 200, {
        url: `ws://127.0.0.1:${http.port}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
      });
    const list = channels.get(params[0] ?? '');
    if (!name || !list)
      return send(res, 404, { message: name ? 'Unknown Channel' : '404: Not Found', code: name ? 10003 : 0 });
    if (name === 'getChannelMessages') {
      const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? 50)));
      const after = url.searchParams.get('after');
      const sorted = [...list].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      // `after`: the oldest `limit` after it; otherwise the newest. Either way newest first.
      const page =
        after !== null ? sorted.filter((m) => BigInt(m.id) > BigInt(after)).slice(0, limit) : sorted.slice(-limit);
      return send(res, 200, page.reverse());
    }
    const payload = (body ?? {}) as Record<string, unknown>;
    const content = typeof payload.content === 'string' ? payload.content : '';
    if (content.length > 2000 || (content === '' && payload.components === undefined))
      return send(res, 400, {
        message: 'Invalid Form Body',
        code: 50035,
        errors: {
          content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
        },
      });
    const message = store(params[0]!, {
      type: payload.message_reference ? 19 : 0,
      content,
      author: bot,
      ...(payload.message_reference ? { message_reference: payload.message_reference } : {}),
      ...(payload.components ? { components: payload.components } : {}),
      allowed_mentions: payload.allowed_mentions,
    });
    posted.push(message);
    return send(res, 200, message);
  }

  const http = await HttpFake.listen(handle, (res, error) =>
    send(res, 500, { message: `fake discord: ${String(error)}`, code: 0 }),
  );
  http.server.on('upgrade', (req, socket, head) => gateway.upgrade(req, socket, head));

  return {
    /** bridge.discord.apiUrl */
    apiUrl: `${http.url}/api/v10`,
    /** The Gateway's URL, for bridge.discord.gatewayUrl (GET /gateway/bot names it too). */
    gatewayUrl: `ws://127.0.0.1:${http.port}/gateway`,
    token,
    bot,
    gateway,
    requests,
    /** Accepted createMessage calls, in order, as stored. */
    posted,
    interactionAnswers,
    history: (channelId: string) => [...(channels.get(channelId) ?? [])],
    /** A person writes in a channel: stored, and dispatched to the Gateway. */
    postUserMessage(channelId: string, userId: string, content: string, extra: Partial<DiscordMessage> = {}) {
      return store(channelId, {
        type: 0,
        content,
        author: { id: userId, username: `user${userId.slice(-4)}`, global_name: null },
        ...extra,
      });
    },
    /** A person presses a button of `messageId`: INTERACTION_CREATE; returns the interaction id. */
    pressButton(channelId: string, userId: string, messageId: string, customId: string): string {
      const id = snowflake();
      const interactionToken = `aW50ZXJhY3Rpb24.${id}`;
      interactions.set(id, interactionToken);
      gateway.dispatch('INTERACTION_CREATE', {
        id,
        application_id: bot.id,
        type: 3,
        token: interactionToken,
        version: 1,
        channel_id: channelId,
        guild_id: '1000000000000000001',
        data: { custom_id: customId, component_type: 2 },
        member: { user: { id: userId, username: `user${userId.slice(-4)}`, global_name: null } },
        message: { id: messageId, channel_id: channelId },
      });
      return id;
    },
    failNext(route: DiscordRoute, fault: DiscordFault) {
      const queue = faults.get(route) ?? [];
      queue.push({ ...fault, remaining: fault.times ?? 1 });
      faults.set(route, queue);
    },
    async stop() {
      await gateway.close();
      await http.close();
    },
  };
}

export type FakeDiscord = Awaited<ReturnType<typeof startFakeDiscord>>;
