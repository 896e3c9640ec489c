// The ProviderErrors an HTTP chat API's answers map to, worded alike for every provider
// ("<provider>: <call> rate limited|failed|refused: …") and scrubbed of every secret.
// See docs/providers.md#chat-providers.
import { redact } from './http.js';
import { ProviderError, type OutboundMessage } from './types.js';

export interface ApiErrors {
  /** Transient, with the wait the service asked for. */
  rateLimited(what: string, detail: string | undefined, retryAfterMs: number | undefined): ProviderError;
  /** Transient: 5xx, network, the service's own "try again" codes (a rate limit's carry its wait). */
  failed(what: string, detail: string, retryAfterMs?: number): ProviderError;
  /** Permanent: retrying will not help; `detail` says why. */
  refused(what: string, detail: string): ProviderError;
  /** Any other wording; scrubbed all the same. */
  other(text: string, transient: boolean): ProviderError;
}

export function apiErrors(provider: string, secrets: readonly string[]): ApiErrors {
  const error = (text: string, transient: boolean, retryAfterMs?: number) =>
    new ProviderError(redact(`${provider}: ${text}`, secrets), provider, transient, retryAfterMs);
  return {
    rateLimited: (what, detail, retryAfterMs) =>
      error(`${what} rate limited${detail === undefined ? '' : `: ${detail}`}`, true, retryAfterMs),
    failed: (what, detail, retryAfterMs) => error(`${what} failed: ${detail}`, true, retryAfterMs),
    refused: (what, detail) => error(`${what} refused: ${detail}`, false),
    other: (text, transient) => error(text, transient),
  };
}

/** An empty text is refused as permanent by every provider. */
export function refuseEmptyText(provider: string, message: OutboundMessage): void {
  if (message.text.trim() === '')
    throw new ProviderError(`${provider}: refusing to send an empty message`, provider, false);
}
