// Parsed stream-json events shared by the agent adapter's unit tests: the parser's expected output
// for a line Claude Code printed is the same value the classifier is fed.
import type { ApiRetryEvent } from '../../src/adapters/agent/streamJson.js';

/** The api_retry event of a first 429 (rate_limit) with one retry allowed, 7 s later. */
export const RATE_LIMIT_RETRY: ApiRetryEvent = {
  kind: 'api_retry',
  attempt: 1,
  maxRetries: 1,
  retryDelayMs: 7000,
  errorStatus: 429,
  error: 'rate_limit',
};
