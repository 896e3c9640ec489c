// One Slack Web API call (https://api.slack.com/web): `ok: true` → the whole answer; otherwise a
// ProviderError. HTTP 429 → transient with Retry-After; 5xx and Slack's own transient codes
// (ratelimited, internal_error, …) → transient; any other `ok: false` → permanent with Slack's
// error code and, where it helps, what to do. See docs/providers.md#slack.
import { apiErrors, type ApiErrors } from './apiErrors.js';
import { field, requestJson, retryAfterHeaderMs, str } from './http.js';

const NAME = 'slack';
export const SLACK_TIMEOUT_MS = 30_000;
const TRANSIENT_CODES = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

export interface SlackApiSettings {
  apiUrl: string;
  channel: string;
  botTokenEnv: string;
}

export class SlackApi {
  private readonly apiRoot: string;
  private readonly errors: ApiErrors;

  constructor(
    private readonly settings: SlackApiSettings,
    private readonly token: string,
    /** Every secret the provider holds (the app token too): scrubbed from every error. */
    private readonly secrets: readonly string[],
  ) {
    this.apiRoot = settings.apiUrl.replace(/\/+$/, '');
    this.errors = apiErrors(NAME, secrets);
  }

  async call(
    method: string,
    httpMethod: 'GET' | 'POST',
    params: Record<string, unknown>,
    signal?: AbortSignal,
    timeoutMs = SLACK_TIMEOUT_MS,
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
    if (response.status === 429)
      throw this.errors.rateLimited(method, undefined, retryAfterHeaderMs(response.headers) ?? 1_000);
    if (response.status >= 500) throw this.errors.failed(method, `HTTP ${response.status}`);
    if (response.status === 200 && field(body, 'ok') === true) return body;
    const code = str(field(body, 'error')) ?? `HTTP ${response.status}`;
    if (TRANSIENT_CODES.has(code)) {
      const retryAfterMs = code.includes('rate') ? (retryAfterHeaderMs(response.headers) ?? 1_000) : undefined;
      throw this.errors.failed(method, code, retryAfterMs);
    }
    throw this.errors.refused(method, `${code}${this.hint(code, str(field(body, 'needed')))}`);
  }

  private hint(code: string, needed: string | undefined): string {
    if (code === 'missing_scope' && needed)
      return ` (the app needs the ${needed} scope: add it under OAuth & Permissions and reinstall)`;
    if (code === 'not_in_channel') return ` (invite the app to ${this.settings.channel}: /invite @<app name>)`;
    if (code === 'invalid_auth' || code === 'not_authed' || code === 'token_revoked')
      return ` (check the bot token in ${this.settings.botTokenEnv})`;
    return '';
  }
}
