// A failed API call (rate limit, overload, server error, no connection) in one sentence for the
// mission's last error: what the API said and how many retries the CLI spent. The raw stream-json
// stays in the run log. Pure. What the CLI prints: docs/claude-cli.md#errors-and-retries.
import { clip, oneLine } from '../../text/oneLine.js';
import type { ApiRetryEvent, ResultEvent } from './streamJson.js';

/** Longest API message kept in the sentence. */
const MESSAGE_MAX = 200;

/** What kind of failure a status is, in a few words; null is no HTTP answer at all. */
export function apiFailureKind(status: number | null): string {
  if (status === null) return 'API unreachable';
  if (status === 429) return 'rate limited';
  if (status === 529) return 'API overloaded';
  if (status >= 500 && status <= 599) return `API server error ${status}`;
  return `API error ${status}`;
}

/**
 * The sentence for a run that ended on a transient API failure, or undefined when the run did
 * not end on one (then the caller keeps its detailed message).
 */
export function apiFailureSentence(
  result: ResultEvent | undefined,
  lastRetry: ApiRetryEvent | undefined,
): string | undefined {
  if (!result?.isError) return undefined;
  const text = oneLine(result.result ?? result.errors.join('; '));
  const status = result.apiErrorStatus;
  const unreachable = /\bUnable to connect to API\b(?:\s*\(([^)]*)\))?/i.exec(text);
  if (status === null && !unreachable) return undefined;
  const retries = lastRetry?.attempt;
  const after = retries === undefined ? '' : `, still failing after ${retries} ${retries === 1 ? 'retry' : 'retries'}`;
  if (status === null) return `API unreachable${unreachable?.[1] ? ` (${unreachable[1]})` : ''}${after}`;
  const kind = status === 429 ? 'rate limited by the API' : apiFailureKind(status);
  const message = apiMessage(text, status);
  return `${kind} (HTTP ${status})${after}${message ? `: ${message}` : ''}`;
}

/** The API's own words out of `API Error: Request rejected (429) · <message>` or `API Error: 529 {json}`. */
export function apiMessage(text: string, status: number): string {
  let rest = text.replace(/^API Error:\s*/i, '');
  rest = rest.replace(new RegExp(`^(?:Request rejected\\s*)?\\(?${status}\\)?\\s*[·:-]?\\s*`, 'i'), '');
  const quoted = /"message"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(rest);
  if (quoted?.[1] !== undefined) rest = quoted[1].replace(/\\(.)/g, '$1');
  return clip(oneLine(rest).trim(), MESSAGE_MAX);
}
