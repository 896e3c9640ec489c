// The mission-outcome policy: an agent run and a pipeline result become the MissionOutcome the
// store decides on, and a failed mission the operator's notice.
import { describe, expect, it } from 'vitest';
import { missionOutcome } from '../../src/missions/outcome.js';

const steps = [
  { step: 'commit', ok: true, detail: 'abc123' },
  { step: 'push', ok: false, detail: 'rejected' },
  { step: 'pr', ok: false, skipped: true, detail: 'no token' },
  { step: 'quality', ok: false, detail: 'lint failed' },
];

describe('missionOutcome', () => {
  it('a success with a clean pipeline is a success with its result', () => {
    const out = missionOutcome(
      {
        outcome: 'success',
        summary: 'did it',
        details: { costUsd: 0.5, tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 }, durationMs: 900 },
      },
      { ok: true, steps: steps.slice(0, 1), prUrl: 'https://github.com/o/r/pull/1' },
      'roshi/x',
    );
    expect(out).toEqual({
      class: 'success',
      result: {
        summary: 'did it',
        branch: 'roshi/x',
        steps: steps.slice(0, 1),
        prUrl: 'https://github.com/o/r/pull/1',
        costUsd: 0.5,
        tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 },
        durationMs: 900,
      },
    });
  });

  it('a success whose pipeline failed is permanent, naming the failed steps but not the skipped ones', () => {
    const out = missionOutcome({ outcome: 'success', summary: 's' }, { ok: false, steps }, 'b');
    expect(out.class).toBe('permanent');
    expect(out.error).toBe('post-mission: push: rejected; quality: lint failed');
    expect(out.result).toMatchObject({ errorClass: 'permanent', error: out.error, steps });
    expect(out.final).toBeUndefined();
  });

  it('a pipeline that threw is permanent with its error', () => {
    const out = missionOutcome({ outcome: 'success', summary: 's' }, { error: 'boom' });
    expect(out).toMatchObject({ class: 'permanent', error: 'boom' });
    expect(out.result).not.toHaveProperty('steps');
    expect(out.result).not.toHaveProperty('branch');
  });

  it('a transient failure keeps its class and the server’s Retry-After', () => {
    const out = missionOutcome(
      { outcome: 'transient', summary: '', error: 'overloaded', retryAfterMs: 30_000 },
      undefined,
      'b',
    );
    expect(out).toMatchObject({ class: 'transient', error: 'overloaded', retryAfterMs: 30_000 });
    expect(out.final).toBeUndefined();
    expect(out.result).toMatchObject({ errorClass: 'transient', error: 'overloaded' });
  });

  it('a pipeline failure takes precedence over the agent’s error, and the agent’s class stays when it failed', () => {
    const out = missionOutcome({ outcome: 'timeout', summary: '', error: 'idle' }, { ok: false, steps });
    expect(out.class).toBe('timeout');
    expect(out.error).toMatch(/^post-mission: push/);
  });

  it.each([
    'not my PR: https://github.com/o/r/pull/1: foreign branch',
    'fix of https://github.com/o/r/pull/1 needs the pull request’s branch, and there is no GitHub token (GITHUB_TOKEN)',
    'project "x" is not configured (projects.x)',
  ])('a refusal no retry can change is final: %s', (error) => {
    expect(missionOutcome({ outcome: 'permanent', summary: '', error }, undefined).final).toBe(true);
  });

  it('an ordinary permanent failure is not final', () => {
    expect(
      missionOutcome({ outcome: 'permanent', summary: '', error: 'agent exited 1' }, undefined).final,
    ).toBeUndefined();
  });
});
