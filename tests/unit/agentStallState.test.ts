// How a stalled or budget-stopped run shows and ends: its live state in words (stallState.ts, in
// `mission show` and the chat's runner line), its result (runResult.ts), and the mission's finish
// (transitions.ts: failed at once, no retry). docs/missions.md#stalls-and-budgets-per-mission
import { describe, expect, it } from 'vitest';
import { runResult } from '../../src/adapters/agent/runResult.js';
import type { SteeringStop } from '../../src/adapters/agent/runSteering.js';
import { RunTranscript } from '../../src/adapters/agent/runTranscript.js';
import { stallStateOf } from '../../src/adapters/agent/stallState.js';
import type { ResultEvent } from '../../src/adapters/agent/streamJson.js';
import { runnerLine } from '../../src/bridge/format.js';
import { agentStateText } from '../../src/cli/missionAgentState.js';
import type { Mission } from '../../src/contracts/index.js';
import { decideFinish } from '../../src/missions/transitions.js';
import { silentLogger } from '../../src/log.js';

const NOW = 1_800_000_000_000;
const NUDGED = { kind: 'stall', text: 'nudged: the same tool call 5 times in a row: Bash: npm test', at: NOW - 5_000 };
const progress = [
  { kind: 'init', text: 'session started', at: NOW - 60_000 },
  NUDGED,
  { kind: 'tool', text: 'Bash: ls', at: NOW },
];

describe('stall state in words', () => {
  it('is the newest stall or budget line, while the run goes on after it', () => {
    expect(stallStateOf(progress)).toBe('stall: nudged: the same tool call 5 times in a row: Bash: npm test');
    expect(stallStateOf([...progress, { kind: 'budget', text: 'money budget reached: $1.0100 of $1.0000' }])).toBe(
      'budget: money budget reached: $1.0100 of $1.0000',
    );
    expect(stallStateOf(progress.slice(0, 1))).toBeUndefined();
  });

  it('shows in `mission show` and in the chat runner line', () => {
    const mission = { id: 'k2x9', project: 'app', text: 'fix it', startedAt: NOW - 60_000 } as Mission;
    expect(agentStateText(mission, { mission: { id: 'k2x9' }, progress }, NOW)).toContain('stall: nudged');
    expect(runnerLine({ runner: 'runner-1', mission, progress }, NOW)).toContain('— stall: nudged: the same tool call');
  });
});

const stop: SteeringStop = {
  reason: 'stalled',
  finding: {
    rule: 'repeated-call',
    evidence: 'the same tool call 5 times in a row: Bash: ls -la',
    repeated: 'Bash: ls -la',
  },
  nudged: { rule: 'repeated-call', evidence: 'the same tool call 3 times in a row: Bash: ls -la' },
};
const INTERRUPTED: ResultEvent = {
  kind: 'result',
  subtype: 'error_during_execution',
  isError: true,
  apiErrorStatus: null,
  errors: [],
  numTurns: 5,
  totalCostUsd: 0.004,
  terminalReason: 'aborted_tools',
};
const spent = { usd: 0.003, tokens: 700, turns: 5, estimated: true };

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
const REQUEST = { idleTimeoutMs: 15_000, timeoutMs: 600_000 };
const EXIT = { durationMs: 9_000, exitCode: 1, signal: null };

describe('the result of a stopped run', () => {
  it('is stalled with the rule, the call and the nudge as its error, and the result cost', () => {
    const r = runResult(transcript(INTERRUPTED), EXIT, undefined, REQUEST, silentLogger(), {
      stoppedFor: stop,
      spent: () => spent,
    });
    expect(r.outcome).toBe('stalled');
    expect(r.error).toBe(
      'stalled (repeated-call): the same tool call 5 times in a row: Bash: ls -la (nudged first, to no effect)',
    );
    expect(r.costUsd).toBe(0.004);
    expect(r.stopped).toEqual(stop);
  });

  it('killed at tier 3 without a result, it keeps the estimate and says it was killed', () => {
    const budget: SteeringStop = { reason: 'budget', reached: { what: 'usd', spent: 1.01, limit: 1 } };
    const r = runResult(
      transcript(),
      { ...EXIT, exitCode: null, signal: 'SIGKILL' },
      'budget',
      REQUEST,
      silentLogger(),
      {
        stoppedFor: budget,
        spent: () => spent,
      },
    );
    expect(r.outcome).toBe('budget');
    expect(r.error).toBe('stopped at a turn boundary: money budget reached: $1.0100 of $1.0000');
    expect(r.costUsd).toBe(0.003);
    expect(r.killedBy).toBe('budget');
  });

  it('a run whose last answer crossed the line and succeeded is the success it is', () => {
    const success: ResultEvent = { ...INTERRUPTED, subtype: 'success', isError: false, result: 'done' };
    const r = runResult(transcript(success), { ...EXIT, exitCode: 0 }, undefined, REQUEST, silentLogger(), {
      stoppedFor: { reason: 'budget', reached: { what: 'turns', spent: 5, limit: 5 } },
      spent: () => spent,
    });
    expect(r.outcome).toBe('success');
  });

  it('a cancel stays a cancel', () => {
    const r = runResult(transcript(), { ...EXIT, signal: 'SIGTERM' }, 'cancel', REQUEST, silentLogger(), {
      stoppedFor: stop,
      spent: () => spent,
    });
    expect(r.outcome).toBe('cancelled');
  });
});

describe('the mission of a stopped run', () => {
  const backoff = { initialMs: 1_000, maxMs: 30_000 };
  const m = { attempts: 1, transientAttempts: 0, maxAttempts: 3, maxTransientAttempts: 6 };
  it.each(['stalled', 'budget'] as const)('%s fails at once, with its error, without a retry', (cls) => {
    expect(decideFinish(m, { class: cls, error: 'stalled (repeated-call): …\nmore' }, backoff)).toEqual({
      status: 'failed',
      attempts: 1,
      transientAttempts: 0,
      reason: 'stalled (repeated-call): …',
    });
  });
});
