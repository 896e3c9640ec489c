// The agent's retry state and API failures in words (retryState.ts, apiFailure.ts), from what
// the CLI really prints (docs/claude-cli.md#errors-and-retries).
import { describe, expect, it } from 'vitest';
import { apiFailureSentence, apiMessage } from '../../src/adapters/agent/apiFailure.js';
import { describeRetry, retryStateOf } from '../../src/adapters/agent/retryState.js';
import type { ApiRetryEvent, ResultEvent } from '../../src/adapters/agent/streamJson.js';
import type { AgentRetryState } from '../../src/adapters/agent/types.js';

const state = (over: Partial<AgentRetryState> = {}): AgentRetryState => ({
  attempt: 8,
  maxRetries: 10,
  errorStatus: 429,
  delayMs: 34_000,
  nextAt: 100_000,
  ...over,
});

describe('retry state', () => {
  it('words a rate limit with the retry count and the seconds left', () => {
    expect(describeRetry(state(), 100_000 - 33_400)).toBe('rate limited, retry 8/10, next in 34 s');
    expect(describeRetry(state({ errorStatus: 529 }), 99_000)).toBe('API overloaded, retry 8/10, next in 1 s');
    expect(describeRetry(state({ errorStatus: 503 }), 99_000)).toBe('API server error 503, retry 8/10, next in 1 s');
    expect(describeRetry(state({ errorStatus: null }), 99_000)).toBe('API unreachable, retry 8/10, next in 1 s');
  });

  it('says the retry is under way once its time has come', () => {
    expect(describeRetry(state(), 100_000)).toBe('rate limited, retry 8/10 under way');
    expect(describeRetry(state({ maxRetries: undefined, attempt: undefined }), 100_500)).toBe(
      'rate limited, retry ? under way',
    );
  });

  it('is the last progress line when that is a retry, and nothing once anything else came', () => {
    const retry = { kind: 'retry' as const, retry: state() };
    expect(retryStateOf([{ kind: 'init' }, retry])).toEqual(state());
    expect(retryStateOf([retry, { kind: 'text' }])).toBeUndefined();
    expect(retryStateOf([])).toBeUndefined();
    // A progress line from an older runner, without the state.
    expect(retryStateOf([{ kind: 'retry' }])).toBeUndefined();
  });
});

const failed = (over: Partial<ResultEvent>): ResultEvent => ({
  kind: 'result',
  subtype: 'success',
  isError: true,
  apiErrorStatus: 429,
  errors: [],
  ...over,
});
const retried = (attempt: number): ApiRetryEvent => ({
  kind: 'api_retry',
  attempt,
  maxRetries: attempt,
  retryDelayMs: 1000,
  errorStatus: 429,
});

describe('apiFailureSentence', () => {
  it('a 429 after the retries: one sentence with the status, the retries and the API message', () => {
    const result = failed({
      result: 'API Error: Request rejected (429) · Number of requests has exceeded your rate limit',
    });
    expect(apiFailureSentence(result, retried(10))).toBe(
      'rate limited by the API (HTTP 429), still failing after 10 retries: Number of requests has exceeded your rate limit',
    );
    expect(apiFailureSentence(result, retried(1))).toContain('after 1 retry:');
    expect(apiFailureSentence(result, undefined)).toBe(
      'rate limited by the API (HTTP 429): Number of requests has exceeded your rate limit',
    );
  });

  it('an overload whose text carries the API error body keeps only its message', () => {
    const result = failed({
      apiErrorStatus: 529,
      result: 'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded \\"now\\""}}',
    });
    expect(apiFailureSentence(result, retried(2))).toBe(
      'API overloaded (HTTP 529), still failing after 2 retries: Overloaded "now"',
    );
  });

  it('no connection: the reason in brackets', () => {
    const result = failed({ apiErrorStatus: null, result: 'API Error: Unable to connect to API (ConnectionRefused)' });
    expect(apiFailureSentence(result, retried(3))).toBe(
      'API unreachable (ConnectionRefused), still failing after 3 retries',
    );
  });

  it('nothing for a run that did not end on an API failure', () => {
    expect(apiFailureSentence(undefined, retried(1))).toBeUndefined();
    expect(apiFailureSentence(failed({ isError: false }), undefined)).toBeUndefined();
    expect(
      apiFailureSentence(failed({ apiErrorStatus: null, result: 'Error: something else' }), undefined),
    ).toBeUndefined();
  });

  it('a multi-line or very long API message stays one short line', () => {
    const message = apiMessage(`API Error: 500 first line\nsecond ${'x'.repeat(500)}`, 500);
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThanOrEqual(200);
  });
});
