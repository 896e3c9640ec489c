// Day budgets as pure math: the ledger's day and keys, a run's spend from its stream (an
// assistant message counted once, the result's remainder added at the end), limits with today's
// raise, which budgets are reached, the raise amounts and the /budget line.
import { describe, expect, it } from 'vitest';
import { budgetRequest } from '../../src/bridge/budget.js';
import { parseAmount } from '../../src/usage/budgetRaise.js';
import { budgetLines, formatBudget } from '../../src/usage/budgetText.js';
import { alertId, budgetHoldOf, limitsFor, reachedBudgets, type DayBudgets } from '../../src/usage/dayBudget.js';
import { nextUtcMidnight, projectKey, systemKey, utcDay, type DaySpend } from '../../src/usage/dayLedger.js';
import { StreamSpend } from '../../src/usage/streamSpend.js';

const T = Date.UTC(2026, 11, 3, 23, 59, 59);
const budgets: DayBudgets = {
  system: { usd: 10, tokens: 0, turns: 100 },
  project: { usd: 4, tokens: 50_000, turns: 0 },
};
const spend = (over: Partial<DaySpend> = {}): DaySpend => ({
  day: '2026-12-03',
  system: { usd: 0, tokens: 0, turns: 0 },
  projects: {},
  ...over,
});

describe('day ledger keys and days', () => {
  it('counts by UTC day and starts afresh at UTC midnight', () => {
    expect(utcDay(T)).toBe('2026-12-03');
    expect(nextUtcMidnight(T)).toBe(Date.UTC(2026, 11, 4));
    expect(utcDay(nextUtcMidnight(T))).toBe('2026-12-04');
  });

  it('spells any project name as one KV key token', () => {
    expect(systemKey('2026-12-03')).toBe('spend.2026-12-03.all');
    expect(projectKey('2026-12-03', 'app')).toBe('spend.2026-12-03.p.app');
    expect(projectKey('2026-12-03', 'my.app/x é')).toBe('spend.2026-12-03.p.my=2Eapp=2Fx=20=C3=A9');
    expect(projectKey('2026-12-03', 'a.b')).not.toBe(projectKey('2026-12-03', 'a_b'));
  });
});

describe('a run spends as it streams', () => {
  const usage = { input_tokens: 120, output_tokens: 1, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 };
  const model = (id: string, u: Record<string, number>) =>
    JSON.stringify({ type: 'assistant', message: { id, model: 'claude-sonnet-4-5', usage: u, content: [] } });

  it('counts an answer once (each content block repeats its usage), one turn each, money estimated', () => {
    const run = new StreamSpend();
    const first = run.line(model('m1', usage));
    expect(first).toMatchObject({ tokens: 136, turns: 1 });
    expect(first.usd).toBeGreaterThan(0);
    expect(run.line(model('m1', usage))).toEqual({ usd: 0, tokens: 0, turns: 0 });
    expect(run.line('{"type":"user","message":{"content":[]}}')).toEqual({ usd: 0, tokens: 0, turns: 0 });
    expect(run.line('[stderr] {"type":"assistant"}')).toEqual({ usd: 0, tokens: 0, turns: 0 });
    expect(run.line(model('m2', usage))).toMatchObject({ tokens: 136, turns: 1 });
    expect(run.total).toMatchObject({ tokens: 272, turns: 2 });
  });

  it("ends at the result's exact figures, even below the estimate", () => {
    const run = new StreamSpend();
    run.line(model('m1', { input_tokens: 100_000, output_tokens: 1 }));
    const estimated = run.total.usd;
    expect(estimated).toBeGreaterThan(0.25);
    const result = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      num_turns: 2,
      total_cost_usd: 0.25,
      usage: { input_tokens: 100_000, output_tokens: 60, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
    const change = run.line(result);
    expect(change.usd).toBeCloseTo(0.25 - estimated, 10);
    expect(run.total).toEqual({ usd: 0.25, tokens: 100_060, turns: 2 });
    expect(run.settle({ costUsd: 0.25, numTurns: 2 })).toEqual({ usd: 0, tokens: 0, turns: 0 });
  });

  it('takes the run result when the stream ended before its result line was read', () => {
    const run = new StreamSpend();
    run.line(model('m1', { input_tokens: 100, output_tokens: 1 }));
    run.settle({ costUsd: 0.5, tokens: { input: 100, output: 60, cacheRead: 0, cacheWrite: 0 }, numTurns: 2 });
    expect(run.total).toEqual({ usd: 0.5, tokens: 160, turns: 2 });
  });

  it('a killed run without a result keeps what streamed, its money estimated', () => {
    const run = new StreamSpend();
    run.line(model('m1', { input_tokens: 500 }));
    expect(run.settle({})).toEqual({ usd: 0, tokens: 0, turns: 0 });
    expect(run.total).toMatchObject({ tokens: 500, turns: 1 });
    expect(run.total.usd).toBeGreaterThan(0);
  });
});

describe('which day budgets are reached', () => {
  it('0 is unlimited, a raise adds to a set limit only', () => {
    const raise = {
      day: '2026-12-03',
      system: { usd: 5, tokens: 9, turns: 0 },
      projects: { app: { usd: 1, tokens: 0, turns: 0 } },
      by: 'x',
      at: 0,
    };
    expect(limitsFor(budgets, raise)).toEqual({ usd: 15, tokens: 0, turns: 100 });
    expect(limitsFor(budgets, raise, 'app')).toEqual({ usd: 5, tokens: 50_000, turns: 0 });
    expect(limitsFor(budgets, raise, 'lib')).toEqual({ usd: 4, tokens: 50_000, turns: 0 });
  });

  it('holds the system for a system budget and a project for its own, until UTC midnight', () => {
    expect(
      budgetHoldOf(budgets, spend({ system: { usd: 9.99, tokens: 1e9, turns: 99 } }), undefined, T),
    ).toBeUndefined();
    const hold = budgetHoldOf(
      budgets,
      spend({
        system: { usd: 10, tokens: 0, turns: 3 },
        projects: {
          app: { usd: 4.5, tokens: 10, turns: 1 },
          lib: { usd: 1, tokens: 60_000, turns: 2 },
          web: { usd: 1, tokens: 1, turns: 1 },
        },
      }),
      undefined,
      T,
    );
    expect(hold).toMatchObject({ system: true, projects: ['app', 'lib'], until: Date.UTC(2026, 11, 4) });
    expect(hold?.reached.map((r) => `${r.scope} ${r.metric}`)).toEqual(['system usd', 'app usd', 'lib tokens']);
  });

  it("a raise for today lifts a reached budget; yesterday's raise does not", () => {
    const day = spend({ projects: { app: { usd: 4, tokens: 0, turns: 0 } } });
    const raise = (d: string) => ({
      day: d,
      system: { usd: 0, tokens: 0, turns: 0 },
      projects: { app: { usd: 2, tokens: 0, turns: 0 } },
      by: 'x',
      at: 0,
    });
    expect(reachedBudgets(budgets, day, undefined)).toHaveLength(1);
    expect(reachedBudgets(budgets, day, raise('2026-12-03'))).toEqual([]);
    expect(reachedBudgets(budgets, day, raise('2026-12-02'))).toHaveLength(1);
  });

  it('names one alert per day and budget', () => {
    expect(alertId('2026-12-03', { scope: 'system', metric: 'usd' })).toBe('budget-2026-12-03-system-usd');
    expect(alertId('2026-12-03', { scope: 'app', metric: 'turns' })).toBe('budget-2026-12-03-p-app-turns');
  });
});

describe('/budget raise amounts', () => {
  it('reads money, tokens and turns', () => {
    expect(parseAmount('5')).toEqual({ metric: 'usd', value: 5 });
    expect(parseAmount('$2.50')).toEqual({ metric: 'usd', value: 2.5 });
    expect(parseAmount('200k tokens')).toEqual({ metric: 'tokens', value: 200_000 });
    expect(parseAmount('1.5Mtok')).toEqual({ metric: 'tokens', value: 1_500_000 });
    expect(parseAmount('20 turns')).toEqual({ metric: 'turns', value: 20 });
  });

  it('refuses what is not an amount, naming what it takes', () => {
    for (const bad of ['', 'lots', '-5', '0', '$5 turns', '2.5 turns', '5 euros'])
      expect(() => parseAmount(bad), bad).toThrow(/amount like|more than 0|counted whole/);
  });

  it('turns a chat line into the request', () => {
    expect(budgetRequest('', 'console:me')).toEqual({ verb: 'show' });
    expect(budgetRequest('reset', 'console:me')).toEqual({ verb: 'reset', by: 'console:me' });
    expect(budgetRequest('raise 5', 'console:me')).toEqual({ verb: 'raise', amount: '5', by: 'console:me' });
    expect(budgetRequest('raise 200k tokens app', 'c:me')).toEqual({
      verb: 'raise',
      amount: '200k tokens',
      project: 'app',
      by: 'c:me',
    });
    expect(budgetRequest('raise $3 app', 'c:me')).toEqual({ verb: 'raise', amount: '$3', project: 'app', by: 'c:me' });
    expect(() => budgetRequest('raise', 'c:me')).toThrow(/usage/);
    expect(() => budgetRequest('raise lots', 'c:me')).toThrow(/amount like/);
    expect(() => budgetRequest('spend', 'c:me')).toThrow(/usage/);
  });
});

describe('spend against budgets in words', () => {
  it('shows each scope against its limits, what is held and the raise', () => {
    const text = formatBudget({
      day: '2026-12-03',
      spend: spend({
        system: { usd: 10.2, tokens: 1_200_000, turns: 30 },
        projects: { app: { usd: 4.1, tokens: 2000, turns: 7 } },
      }),
      limits: { system: limitsFor(budgets, undefined), projects: { app: limitsFor(budgets, undefined, 'app') } },
      raise: { day: '2026-12-03', system: { usd: 1, tokens: 0, turns: 0 }, projects: {}, by: 'console:me', at: 0 },
      hold: budgetHoldOf(budgets, spend({ system: { usd: 10.2, tokens: 0, turns: 0 } }), undefined, T)!,
    });
    expect(text).toContain('system: $10.20 of $10.00 · 1.2M tokens · 30 of 100 turns');
    expect(text).toContain('project app: $4.10 of $4.00 · 2.0k of 50.0k tokens · 7 turns');
    expect(text).toContain('⏸ day budget reached: all dispatch held until 00:00 UTC or /budget raise');
    expect(text).toContain('raised today: system +$1.00 (last by console:me)');
  });

  it('says when no budget is set', () => {
    const none = { system: { usd: 0, tokens: 0, turns: 0 }, project: { usd: 0, tokens: 0, turns: 0 } };
    const lines = budgetLines({ day: 'd', spend: spend(), limits: { system: none.system, projects: {} } });
    expect(lines).toEqual(['system: $0.00 · 0 tokens · 0 turns', 'no day budget set (budgets.day.*)']);
  });
});
