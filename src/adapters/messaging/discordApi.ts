// One Discord REST call (https://discord.com/developers/docs/reference#http-api), authorized as
// `Bot <token>`: the parsed answer of a 2xx, or a ProviderError. 429 → transient with the
// body's retry_after (seconds) or Retry-After; 5xx and network → transient; other answers →
// permanent with Discord's message and code, and what to do where it helps. Errors never carry the
// token. See docs/chat.md#discord.
import { apiErrors, type ApiErrors } from './apiErrors.js';
import { field, num, requestJson, retryAfterHeaderMs, str } from './http.js';

const NAME = 'discord';
export const DISCORD_TIMEOUT_MS = 30_000;

export interface DiscordCall {
  /** The call as errors name it: 'createMessage', 'getCurrentUser', … */
  what: string;
  method: 'GET' | 'POST';
  /** The path under the API root, e.g. `/channels/123/messages`. */
  path: string;
  body?: unknown;
  /** Interaction callbacks are authorized by the interaction's own token, not the bot's. */
  anonymous?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class DiscordApi {
  private readonly apiRoot: string;
  private readonly errors: ApiErrors;

  constructor(
    apiUrl: string,
    private readonly token: string,
    /** The variable the token came from, named in the hint of a refused token. */
    private readonly tokenEnv: string,
    private readonly channelId: string,
  ) {
    this.apiRoot = apiUrl.replace(/\/+$/, '');
    this.errors = apiErrors(NAME, [token]);
  }

  async call(call: DiscordCall): Promise<unknown> {
    const response = await requestJson({
      provider: NAME,
      what: call.what,
      method: call.method,
      url: `${this.apiRoot}${call.path}`,
      headers: call.anonymous ? {} : { authorization: `Bot ${this.token}` },
      ...(call.body !== undefined ? { body: call.body } : {}),
      timeoutMs: call.timeoutMs ?? DISCORD_TIMEOUT_MS,
      ...(call.signal ? { signal: call.signal } : {}),
      secrets: [this.token],
    });
    const { status, body } = response;
    if (status >= 200 && status < 300) return body;
    if (status === 429) {
      const seconds = num(field(body, 'retry_after'));
      const retryAfterMs = seconds !== undefined ? Math.ceil(seconds * 1000) : retryAfterHeaderMs(response.headers);
      throw this.errors.rateLimited(call.what, str(field(body, 'message')), retryAfterMs ?? 1_000);
    }
    const code = num(field(body, 'code'));
    const message =
      str(field(body, 'message')) ?? (typeof body === 'string' && body.length < 200 ? body : `HTTP ${status}`);
    const detail = `${status} ${message}${code !== undefined && code !== 0 ? ` (code ${code})` : ''}`;
    if (status >= 500) throw this.errors.failed(call.what, detail);
    throw this.errors.refused(call.what, `${detail}${this.hint(status, code)}`);
  }

  private hint(status: number, code: number | undefined): string {
    if (status === 401) return ` (check the bot token in ${this.tokenEnv})`;
    if (status === 403 || code === 50001 || code === 50013)
      return ` (the bot needs View Channel, Send Messages and Read Message History in channel ${this.channelId})`;
    if (code === 10003) return ` (no channel ${this.channelId}: check bridge.discord.channelId)`;
    return '';
  }
}
