// How a run that roshi killed ends: a run stopped on its way out, after it had reported
// success, counts as the success it was (a rerun would pay for the same work twice); one
// killed before it reported stays a timeout, and a cancel stays a cancel.
import { describe, expect, it } from 'vitest';
import { runResult } from '../../src/adapters/agent/runResult.js';
import { RunTranscript } from '../../src/adapters/agent/runTranscript.js';
import type { ResultEvent } from '../../src/adapters/agent/streamJson.js';
import { silentLogger } from '../../src/log.js';

const REQUEST = { idleTimeoutMs: 15_000, timeoutMs: 600_000 };
const EXIT = { durationMs: 20_000, exitCode: null, signal: 'SIGKILL' };
const REPORTED: ResultEvent = {
  kind: 'result',
  subtype: 'success',
  isError: false,
  apiErrorStatus: null,
  result: 'Wrote hello.txt.',
  errors: [],
};

function transcript(result?: ResultEvent): RunTranscript {
  const run = new RunTranscript(
    () => undefined,
    () => undefined,
    silentLogger(),
    200,
  );
  if (result) run.handle(result, JSON.stringify(result));
  return run;
}

describe('a run roshi killed', () => {
  it('after it reported success: a success with its answer', () => {
    for (const killedBy of ['idle-timeout', 'timeout'] as const) {
      const r = runResult(transcript(REPORTED), EXIT, killedBy, REQUEST, silentLogger());
      expect(r).toMatchObject({ outcome: 'success', summary: 'Wrote hello.txt.' });
      expect(r.error).toBeUndefined();
    }
  });

  it('before it reported, or cancelled: what the kill says', () => {
    expect(runResult(transcript(), EXIT, 'idle-timeout', REQUEST, silentLogger())).toMatchObject({
      outcome: 'timeout',
      killedBy: 'idle-timeout',
    });
    expect(runResult(transcript(REPORTED), EXIT, 'cancel', REQUEST, silentLogger()).outcome).toBe('cancelled');
    const failed = transcript({ ...REPORTED, isError: true, result: 'API Error: 400' });
    expect(runResult(failed, EXIT, 'timeout', REQUEST, silentLogger()).outcome).toBe('timeout');
  });
});
