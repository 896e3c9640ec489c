// One Matrix client-server API call (https://spec.matrix.org/latest/client-server-api/): a 2xx
// answer's body, or a ProviderError: 429 (M_LIMIT_EXCEEDED, retry_after_ms) → transient with
// retryAfterMs; 5xx and network → transient; other 4xx → permanent, with the errcode and error
// text and, where it helps, what to do. See docs/providers.md#matrix.
import { apiErrors, type ApiErrors } from './apiErrors.js';
import { field, num, requestJson, retryAfterHeaderMs, str } from './http.js';

const NAME = 'matrix';
export const MATRIX_REQUEST_TIMEOUT_MS = 30_000;

export interface MatrixCall {
  what: string;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface MatrixApiSettings {
  homeserverUrl: string;
  tokenEnv: string;
  roomId: string;
}

export class MatrixApi {
  private readonly apiRoot: string;
  private readonly errors: ApiErrors;

  constructor(
    private readonly settings: MatrixApiSettings,
    private readonly token: string,
    /** Who roshi is, once known: named in the hint of a refused join or send. */
    private readonly ownUserId: () => string | undefined,
  ) {
    this.apiRoot = settings.homeserverUrl.replace(/\/+$/, '');
    this.errors = apiErrors(NAME, [token]);
  }

  async call(call: MatrixCall): Promise<unknown> {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    const response = await requestJson({
      provider: NAME,
      what: call.what,
      method: call.method,
      url: `${this.apiRoot}/_matrix/client/v3${call.path}${query}`,
      headers: { authorization: `Bearer ${this.token}` },
      ...(call.body !== undefined ? { body: call.body } : {}),
      timeoutMs: call.timeoutMs ?? MATRIX_REQUEST_TIMEOUT_MS,
      ...(call.signal ? { signal: call.signal } : {}),
      secrets: [this.token],
    });
    if (response.status >= 200 && response.status < 300) return response.body;
    const body = response.body;
    const errcode = str(field(body, 'errcode')) ?? `HTTP ${response.status}`;
    const text = str(field(body, 'error')) ?? '';
    const describe = `${response.status} ${errcode}${text ? `: ${text}` : ''}`;
    if (response.status === 429 || errcode === 'M_LIMIT_EXCEEDED') {
      const retryAfterMs = num(field(body, 'retry_after_ms')) ?? retryAfterHeaderMs(response.headers) ?? 1_000;
      throw this.errors.rateLimited(call.what, describe, retryAfterMs);
    }
    if (response.status >= 500) throw this.errors.failed(call.what, describe);
    throw this.errors.refused(call.what, `${describe}${this.hint(errcode, call.what)}`);
  }

  private hint(errcode: string, what: string): string {
    if (errcode === 'M_UNKNOWN_TOKEN' || errcode === 'M_MISSING_TOKEN')
      return ` (check the access token in ${this.settings.tokenEnv})`;
    if (errcode === 'M_FORBIDDEN' && (what === 'join' || what === 'send'))
      return ` (invite ${this.ownUserId() ?? "roshi's account"} to ${this.settings.roomId})`;
    return '';
  }
}
