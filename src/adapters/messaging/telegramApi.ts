// One Telegram Bot API call (https://core.telegram.org/bots/api#making-requests): `result` of an
// `ok` answer, or a ProviderError. 429 → transient with retryAfterMs from parameters.retry_after;
// 5xx and network → transient; other answers → permanent with Telegram's description. The token
// sits in the URL path: errors name only the method, scrubbed of the token once more.
// See docs/providers.md#telegram.
import { apiErrors, type ApiErrors } from './apiErrors.js';
import { field, num, requestJson, str } from './http.js';
import type { ProviderError } from './types.js';

const NAME = 'telegram';

export interface TelegramCall {
  what: string;
  body: Record<string, unknown>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class TelegramApi {
  private readonly apiRoot: string;
  private readonly errors: ApiErrors;

  constructor(
    apiUrl: string,
    private readonly token: string,
    /** The variable the token came from, named in the hint of a refused token. */
    private readonly tokenEnv: string,
  ) {
    this.apiRoot = apiUrl.replace(/\/+$/, '');
    this.errors = apiErrors(NAME, [token]);
  }

  /** One Bot API call; resolves to `result`, throws ProviderError (never carrying the token). */
  async call(call: TelegramCall): Promise<unknown> {
    const response = await requestJson({
      provider: NAME,
      what: call.what,
      method: 'POST',
      url: `${this.apiRoot}/bot${this.token}/${call.what}`,
      body: call.body,
      timeoutMs: call.timeoutMs,
      ...(call.signal ? { signal: call.signal } : {}),
      secrets: [this.token],
    });
    const body = response.body;
    if (response.status === 200 && field(body, 'ok') === true) return field(body, 'result');
    throw this.toError(call.what, response.status, body);
  }

  private toError(what: string, status: number, body: unknown): ProviderError {
    const code = num(field(body, 'error_code')) ?? status;
    const description =
      str(field(body, 'description')) ?? (typeof body === 'string' && body.length < 200 ? body : `HTTP ${status}`);
    const parameters = field(body, 'parameters');
    if (code === 429 || status === 429)
      return this.errors.rateLimited(what, description, (num(field(parameters, 'retry_after')) ?? 1) * 1000);
    if (status >= 500 || code >= 500) return this.errors.failed(what, `${code} ${description}`);
    if (status === 200) return this.errors.other(`${what}: unexpected answer from the Bot API`, true);
    let hint = '';
    const migratedTo = num(field(parameters, 'migrate_to_chat_id'));
    if (migratedTo !== undefined)
      hint = ` (the group is now a supergroup: set bridge.telegram.chatId to ${migratedTo})`;
    else if (code === 401 || code === 404) hint = ` (check the bot token in ${this.tokenEnv})`;
    else if (code === 409 && what === 'getUpdates')
      hint = ' (a webhook is set or another instance polls with this token)';
    return this.errors.refused(what, `${code} ${description}${hint}`);
  }
}
