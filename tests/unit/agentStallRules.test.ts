// The stall rules (stallRules.ts), their tiers (stallTiers.ts) and the spend meter
// (runSpend.ts), fed event sequences as the parser gives them.
import { describe, expect, it } from 'vitest';
import { estimateCostUsd } from '../../src/adapters/agent/modelPrices.js';
import { describeBudget, RunSpend } from '../../src/adapters/agent/runSpend.js';
import { ProgressWatch, type StallSettings } from '../../src/adapters/agent/stallRules.js';
import { nudgeText, StallTiers } from '../../src/adapters/agent/stallTiers.js';
import type { AssistantEvent, ResultEvent, ToolResultsEvent } from '../../src/adapters/agent/streamJson.js';

const OFF: StallSettings = {
  repeatedCall: 0,
  repeatedError: 0,
  noProgressMs: 0,
  noProgressTurns: 0,
  turnsWithoutEdits: 0,
};
let ids = 0;
const call = (name: string, input: unknown, messageId = `m${(ids += 1)}`): AssistantEvent => ({
  kind: 'assistant',
  texts: [],
  toolUses: [{ name, input }],
  messageId,
});
const text = (t: string, messageId = `m${(ids += 1)}`): AssistantEvent => ({
  kind: 'assistant',
  texts: [t],
  toolUses: [],
  messageId,
});
const failed = (t: string): ToolResultsEvent => ({ kind: 'tool_results', results: [{ isError: true, text: t }] });

describe('repeated call', () => {
  it('fires at the Nth identical call in a row, naming it, whatever the key order', () => {
    const watch = new ProgressWatch({ ...OFF, repeatedCall: 3 }, 50, 0);
    watch.observe(call('Bash', { command: 'npm test', description: 'x' }));
    watch.observe(call('Bash', { description: 'x', command: 'npm test' }));
    expect(watch.check(0)).toBeUndefined();
    watch.observe(call('Bash', { command: 'npm test', description: 'x' }));
    expect(watch.check(0)).toEqual({
      rule: 'repeated-call',
      evidence: 'the same tool call 3 times in a row: Bash: npm test',
      repeated: 'Bash: npm test',
      count: 3,
    });
  });

  it('a different input or tool breaks the streak', () => {
    const watch = new ProgressWatch({ ...OFF, repeatedCall: 2 }, 50, 0);
    watch.observe(call('Bash', { command: 'a' }));
    watch.observe(call('Bash', { command: 'b' }));
    watch.observe(call('Read', { file_path: 'b' }));
    watch.observe(call('Bash', { command: 'b' }));
    expect(watch.check(0)).toBeUndefined();
  });

  it('is off at 0', () => {
    const watch = new ProgressWatch(OFF, 50, 0);
    for (let i = 0; i < 20; i += 1) watch.observe(call('Bash', { command: 'a' }));
    expect(watch.check(1e9)).toBeUndefined();
  });
});

describe('repeated error', () => {
  it('counts the same error text (numbers folded) until the worktree changes', () => {
    const watch = new ProgressWatch({ ...OFF, repeatedError: 3 }, 50, 0);
    watch.observeWorktree('a', 0);
    watch.observe(failed('Exit code 1\nFAIL test 12'));
    watch.observe(failed('Exit code 1\nFAIL test 13'));
    watch.observeWorktree('b', 10);
    watch.observe(failed('Exit code 1'));
    watch.observe(failed('Exit code 2'));
    expect(watch.check(10)).toBeUndefined();
    watch.observe(failed('Exit code 3'));
    expect(watch.check(10)).toMatchObject({ rule: 'repeated-error', repeated: 'Exit code N', count: 3 });
  });
});

describe('no progress', () => {
  it('fires when the worktree stays the same for the time and the turns', () => {
    const watch = new ProgressWatch({ ...OFF, noProgressMs: 60_000, noProgressTurns: 3 }, 50, 0);
    watch.observeWorktree('a', 0);
    watch.observe(text('thinking'));
    watch.observe(text('thinking'));
    expect(watch.check(120_000)).toBeUndefined(); // time but only 2 turns
    watch.observe(text('thinking'));
    expect(watch.check(59_999)).toBeUndefined(); // turns but not the time
    expect(watch.check(60_000)).toMatchObject({ rule: 'no-progress', count: 3 });
    watch.observeWorktree('b', 61_000); // progress: the clock starts again
    expect(watch.check(100_000)).toBeUndefined();
  });

  it('counts one turn per answer although the CLI prints an event per content block', () => {
    const watch = new ProgressWatch(OFF, 50, 0);
    watch.observe(text('a', 'same'));
    watch.observe(call('Bash', { command: 'x' }, 'same'));
    watch.observe(text('b', 'other'));
    expect(watch.turns).toBe(2);
  });
});

describe('turns without edits', () => {
  it('fires at the share of maxTurns with no worktree change, never after one', () => {
    const watch = new ProgressWatch({ ...OFF, turnsWithoutEdits: 0.5 }, 10, 0);
    watch.observeWorktree('a', 0);
    for (let i = 0; i < 4; i += 1) watch.observe(text('hm'));
    expect(watch.check(0)).toBeUndefined();
    watch.observe(text('hm'));
    expect(watch.check(0)).toMatchObject({ rule: 'turns-without-edits', count: 5 });

    const edited = new ProgressWatch({ ...OFF, turnsWithoutEdits: 0.5 }, 10, 0);
    edited.observeWorktree('a', 0);
    edited.observeWorktree('b', 0);
    for (let i = 0; i < 9; i += 1) edited.observe(text('hm'));
    expect(edited.check(0)).toBeUndefined();
  });
});

describe('stall tiers', () => {
  const finding = { rule: 'repeated-call' as const, evidence: 'the same tool call 3 times in a row: Bash: x' };

  it('nudges once, stops when the stall still holds after the grace turns, then nothing', () => {
    const tiers = new StallTiers({ nudge: true, graceTurns: 2 });
    expect(tiers.next(undefined, 1)).toBeUndefined();
    expect(tiers.next(finding, 3)).toEqual({ tier: 'nudge', finding });
    expect(tiers.next(finding, 4)).toBeUndefined();
    expect(tiers.next(finding, 5)).toEqual({ tier: 'stop', finding });
    expect(tiers.stoppedFor).toEqual(finding);
    expect(tiers.next(finding, 9)).toBeUndefined();
  });

  it('without nudges, stops at the first finding', () => {
    const tiers = new StallTiers({ nudge: false, graceTurns: 2 });
    expect(tiers.next(finding, 3)).toEqual({ tier: 'stop', finding });
  });

  it('the nudge says what looks stuck', () => {
    expect(nudgeText(finding)).toContain('the same tool call 3 times in a row: Bash: x');
  });
});

describe('spend meter', () => {
  const usage = { input: 120, output: 1, cacheRead: 10, cacheWrite: 5 };
  const answer = (id: string, t = ''): AssistantEvent => ({
    kind: 'assistant',
    texts: [t],
    toolUses: [],
    messageId: id,
    model: 'claude-opus-4-8',
    usage,
  });

  it('counts each answer once and estimates its output from its text', () => {
    const meter = new RunSpend();
    meter.observe(answer('a', 'x'.repeat(120)));
    meter.observe(answer('a', 'y'.repeat(40)));
    meter.observe(answer('b'));
    const spent = meter.spent();
    // a: 160 characters ≈ 40 output tokens; b: no text, the printed 1.
    expect(spent).toMatchObject({ turns: 2, estimated: true, tokens: 175 + 136 });
    const a = estimateCostUsd('claude-opus-4-8', { ...usage, output: 40 });
    expect(spent.usd).toBeCloseTo(a + estimateCostUsd('claude-opus-4-8', usage), 12);
  });

  it('takes the exact figures of the result', () => {
    const meter = new RunSpend();
    meter.observe(answer('a'));
    const result: ResultEvent = {
      kind: 'result',
      isError: false,
      apiErrorStatus: null,
      errors: [],
      numTurns: 4,
      totalCostUsd: 0.005545,
      usage: { input: 480, output: 120, cacheRead: 40, cacheWrite: 20 },
    };
    meter.observe(result);
    expect(meter.spent()).toEqual({ usd: 0.005545, tokens: 660, turns: 4, estimated: false });
  });

  it('says which limit is reached first; 0 is no limit', () => {
    const meter = new RunSpend();
    for (const id of ['a', 'b', 'c']) meter.observe(answer(id));
    expect(meter.reached({ usd: 0, tokens: 0, turns: 0 })).toBeUndefined();
    expect(meter.reached({ usd: 0, tokens: 0, turns: 4 })).toBeUndefined();
    expect(meter.reached({ usd: 0, tokens: 0, turns: 3 })).toEqual({ what: 'turns', spent: 3, limit: 3 });
    const money = meter.reached({ usd: 0.001, tokens: 0, turns: 3 });
    expect(money?.what).toBe('usd');
    expect(describeBudget(money!)).toMatch(/^money budget reached: \$0\.00\d+ of \$0\.0010$/);
  });

  it('prices the fake API answer as the CLI does (claude-opus-4-8: $5 / $25 per million)', () => {
    expect(
      estimateCostUsd('claude-opus-4-8', { input: 120, output: 30, cacheRead: 10, cacheWrite: 5 }) * 4,
    ).toBeCloseTo(0.005545, 9);
  });
});

describe('without a worktree fingerprint', () => {
  it('the worktree rules say nothing (not a git worktree)', () => {
    const watch = new ProgressWatch({ ...OFF, noProgressMs: 1, noProgressTurns: 1, turnsWithoutEdits: 0.1 }, 10, 0);
    for (let i = 0; i < 9; i += 1) watch.observe(text('hm'));
    expect(watch.check(1e9)).toBeUndefined();
  });
});
