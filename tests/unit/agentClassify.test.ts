// Classifying finished agent runs: success, transient, permanent, from what the CLI really prints.
import { describe, expect, it } from 'vitest';
import { RATE_LIMIT_RETRY } from '../harness/agentEvents.js';
import { classifyRun, errorText, tailText, type ClassifyInput } from '../../src/adapters/agent/classify.js';
import type { ApiRetryEvent, ResultEvent } from '../../src/adapters/agent/streamJson.js';

const result = (over: Partial<ResultEvent> = {}): ResultEvent => ({
  kind: 'result',
  subtype: 'success',
  isError: false,
  apiErrorStatus: null,
  result: 'done',
  errors: [],
  ...over,
});
const retry = (over: Partial<ApiRetryEvent> = {}): ApiRetryEvent => ({ ...RATE_LIMIT_RETRY, ...over });
const input = (over: Partial<ClassifyInput> = {}): ClassifyInput => ({
  exitCode: 1,
  signal: null,
  stderrTail: '',
  stdoutTail: '',
  ...over,
});

describe('classifyRun', () => {
  it('success: exit 0 and is_error false', () => {
    expect(classifyRun(input({ exitCode: 0, result: result() }))).toEqual({ outcome: 'success' });
  });

  it('success: killed by a signal after it reported success (its work is done; a rerun would pay twice)', () => {
    expect(classifyRun(input({ exitCode: null, signal: 'SIGKILL', result: result() }))).toEqual({ outcome: 'success' });
    // Killed before reporting, or after reporting a failure: not a success.
    expect(classifyRun(input({ exitCode: null, signal: 'SIGKILL' })).outcome).not.toBe('success');
    expect(
      classifyRun(
        input({ exitCode: null, signal: 'SIGKILL', result: result({ isError: true, result: 'API Error: 400' }) }),
      ).outcome,
    ).not.toBe('success');
  });

  it('429 whose subtype says success but is_error is true → transient, retry delay from the api_retry event', () => {
    const r = result({
      isError: true,
      apiErrorStatus: 429,
      result: 'API Error: Request rejected (429) · Number of requests has exceeded your rate limit',
    });
    const c = classifyRun(input({ result: r, lastRetry: retry() }));
    expect(c.outcome).toBe('transient');
    expect(c.retryAfterMs).toBe(7000);
    expect(c.error).toContain('API Error: Request rejected (429)');
    expect(c.error).toContain('exit code 1');
  });

  it('is_error true wins even with exit code 0', () => {
    expect(
      classifyRun(
        input({
          exitCode: 0,
          result: result({ isError: true, apiErrorStatus: 529, result: 'API Error: 529 overloaded' }),
        }),
      ).outcome,
    ).toBe('transient');
  });

  it('529 and 5xx → transient, without retry delay when the CLI did not retry', () => {
    for (const status of [529, 500, 502, 503, 504]) {
      const c = classifyRun(
        input({ result: result({ isError: true, apiErrorStatus: status, result: `API Error: ${status}` }) }),
      );
      expect(c).toMatchObject({ outcome: 'transient' });
      expect(c.retryAfterMs).toBeUndefined();
    }
  });

  it('rounds a jittered CLI backoff', () => {
    const c = classifyRun(
      input({
        result: result({ isError: true, apiErrorStatus: 529 }),
        lastRetry: retry({ retryDelayMs: 520.2782, errorStatus: 529 }),
      }),
    );
    expect(c.retryAfterMs).toBe(520);
  });

  it('network failures (no status) → transient from the text', () => {
    for (const text of [
      'API Error: Unable to connect to API (ConnectionRefused)',
      'API Error: Unable to connect to API (ECONNRESET)',
      'API Error: Unable to connect to API (FailedToOpenSocket)',
      'Error: connect ECONNREFUSED 127.0.0.1:443',
      'request failed: ETIMEDOUT',
      'Error: socket hang up',
      'API Error: Overloaded',
    ]) {
      expect(classifyRun(input({ result: result({ isError: true, result: text }) })).outcome, text).toBe('transient');
    }
    // Only on stderr, no result at all.
    expect(classifyRun(input({ stderrTail: 'TypeError: fetch failed\n  cause: ECONNREFUSED\n' })).outcome).toBe(
      'transient',
    );
  });

  it('400, 401, 403, 404 → permanent, even when the text mentions something transient-looking', () => {
    for (const status of [400, 401, 403, 404, 413]) {
      const c = classifyRun(
        input({
          result: result({ isError: true, apiErrorStatus: status, result: `API Error: ${status} overloaded prompt` }),
        }),
      );
      expect(c.outcome).toBe('permanent');
      expect(c.retryAfterMs).toBeUndefined();
    }
  });

  it('max turns and other error subtypes → permanent with their error list', () => {
    const c = classifyRun(
      input({
        result: result({
          subtype: 'error_max_turns',
          isError: true,
          result: undefined,
          errors: ['Reached maximum number of turns (1)'],
        }),
      }),
    );
    expect(c.outcome).toBe('permanent');
    expect(c.error).toMatch(/^Reached maximum number of turns \(1\); exit code 1/);
  });

  it('no result event: permanent, unless the last retry was for a transient status', () => {
    expect(classifyRun(input({ exitCode: 0 })).outcome).toBe('permanent');
    expect(classifyRun(input({ exitCode: 1, stderrTail: 'Error: invalid settings' })).outcome).toBe('permanent');
    const c = classifyRun(input({ exitCode: 1, lastRetry: retry({ errorStatus: 503, retryDelayMs: 1200 }) }));
    expect(c).toMatchObject({ outcome: 'transient', retryAfterMs: 1200 });
  });

  it('a success result with a bad exit is not a success', () => {
    const c = classifyRun(input({ exitCode: 2, result: result() }));
    expect(c.outcome).toBe('permanent');
    expect(c.error).toContain('did not exit cleanly');
  });

  it('a killed process (signal) without a result → permanent with the signal named', () => {
    const c = classifyRun(input({ exitCode: null, signal: 'SIGSEGV' }));
    expect(c.outcome).toBe('permanent');
    expect(c.error).toContain('killed by SIGSEGV');
  });

  it('reads a retry-after value from the error text when there is no api_retry event', () => {
    const text = (t: string) =>
      classifyRun(input({ result: result({ isError: true, apiErrorStatus: 429, result: t }) })).retryAfterMs;
    expect(text('API Error: 429 rate limited, retry-after: 30')).toBe(30_000);
    expect(text('429 Too Many Requests (Retry-After 1.5s)')).toBe(1_500);
    expect(text('429 {"retry_after": 250 ms}')).toBe(250);
    expect(text('429 retry_after=250ms')).toBe(250);
    expect(text('API Error: Request rejected (429) · slow down')).toBeUndefined();
  });
});

describe('errorText', () => {
  it('uses the stderr tail, or the stdout tail when stderr is empty', () => {
    expect(errorText({ exitCode: 1, signal: null, stderrTail: 'boom\n', stdoutTail: '{"x":1}\n' })).toBe(
      'agent ended without a result; exit code 1\nstderr:\nboom',
    );
    expect(errorText({ exitCode: 1, signal: null, stderrTail: '  \n', stdoutTail: 'line1\nline2\n' })).toBe(
      'agent ended without a result; exit code 1\nstdout:\nline1\nline2',
    );
  });

  it('keeps the last ~2 KB, whole lines, each clipped', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const tail = tailText(lines.join('\n'));
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(2048);
    expect(tail.endsWith('line 99 ' + 'x'.repeat(40))).toBe(true);
    expect(tail.split('\n')[0]).toMatch(/^line \d+ x+$/);
    const huge = tailText(`start\n${'y'.repeat(10_000)}\nend`);
    expect(huge).toBe(`start\n${'y'.repeat(499)}…\nend`);
    expect(Buffer.byteLength(tailText('z'.repeat(10_000), 2048, 100_000))).toBeLessThanOrEqual(2048);
  });
});
