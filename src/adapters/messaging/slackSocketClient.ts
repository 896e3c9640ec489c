// The official Socket Mode client (@slack/socket-mode 2.x: it runs on `ws`, which Node 20 needs;
// 3.x needs undici 7/8 and so Node ≥ 20.18/22) as roshi uses it: one client per connection,
// reconnecting left to the provider (slackSocket.ts: its backoff resets, its health is honest),
// apps.connections.open against bridge.slack.apiUrl without the client's own retries, the
// client's log lines in ours (scrubbed of the tokens; its debug lines, which carry every
// envelope's text, dropped), and its errors as ProviderErrors. See docs/providers.md#slack.
import { LogLevel, SocketModeClient, type Logger as SlackLogger } from '@slack/socket-mode';
import type { Logger } from '../../log.js';
import { errorText, redact } from './http.js';
import { ProviderError } from './types.js';

const OPEN_TIMEOUT_MS = 10_000;
/** apps.connections.open codes that no retry mends: the app token is wrong or the app is gone. */
const REFUSALS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'user_removed_from_team',
  'team_disabled',
  'missing_scope',
]);

export interface SocketClientOptions {
  apiUrl: string;
  appToken: string;
  /** The variable the app token came from, named in a refusal's hint. */
  appTokenEnv: string;
  logger: Logger;
  secrets: readonly string[];
}

export function createSocketClient(options: SocketClientOptions): SocketModeClient {
  return new SocketModeClient({
    appToken: options.appToken,
    autoReconnectEnabled: false,
    logger: slackLogger(options.logger, options.secrets),
    clientOptions: {
      slackApiUrl: `${options.apiUrl.replace(/\/+$/, '')}/`,
      retryConfig: { retries: 0 },
      timeout: OPEN_TIMEOUT_MS,
    },
  });
}

/** A failed connection attempt in words for the operator: a ProviderError, permanent when retrying cannot help. */
export function socketFailure(error: unknown, options: SocketClientOptions): ProviderError {
  const e = error as { code?: unknown; data?: { error?: unknown }; retryAfter?: unknown; statusCode?: unknown };
  const say = (text: string) => redact(text, options.secrets);
  if (e?.code === 'slack_webapi_platform_error' && typeof e.data?.error === 'string') {
    const code = e.data.error;
    if (REFUSALS.has(code)) {
      const hint = ` (check the app-level token in ${options.appTokenEnv}: an xapp-… token with connections:write)`;
      return new ProviderError(say(`slack: apps.connections.open refused: ${code}${hint}`), 'slack', false);
    }
    return new ProviderError(say(`slack: apps.connections.open failed: ${code}`), 'slack', true);
  }
  if (e?.code === 'slack_webapi_rate_limited_error') {
    const seconds = typeof e.retryAfter === 'number' ? e.retryAfter : 1;
    return new ProviderError('slack: apps.connections.open rate limited', 'slack', true, seconds * 1000);
  }
  if (e?.code === 'slack_webapi_request_error' || e?.code === 'slack_webapi_http_error')
    return new ProviderError(say(`slack: apps.connections.open failed: ${errorText(error)}`), 'slack', true);
  const why = error === undefined ? 'the connection closed before Slack said hello' : errorText(error);
  return new ProviderError(say(`slack: Socket Mode connection failed: ${why}`), 'slack', true);
}

function slackLogger(logger: Logger, secrets: readonly string[]): SlackLogger {
  const line = (parts: unknown[]) => redact(parts.map(String).join(' '), secrets);
  return {
    debug: () => undefined,
    info: (...parts: unknown[]) => logger.debug(`slack socket-mode: ${line(parts)}`),
    warn: (...parts: unknown[]) => logger.warn(`slack socket-mode: ${line(parts)}`),
    // The provider logs each failed attempt itself, with what it will do next.
    error: (...parts: unknown[]) => logger.debug(`slack socket-mode: ${line(parts)}`),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
