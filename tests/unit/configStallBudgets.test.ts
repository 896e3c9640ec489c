// agent.stall.* and budgets.mission.*: defaults, per-kind budgets, and refusals naming the key and
// what was expected
// (docs/missions.md#stalls-and-budgets-per-mission).
import { describe, expect, it } from 'vitest';
import { missionBudgetFor } from '../../src/config/sections/missionBudgets.js';
import { expectRefused } from '../harness/configRefusal.js';
import { load, loadError, useConfigDir } from '../harness/configFiles.js';

const { writeConfig } = useConfigDir();

describe('agent.stall refusals', () => {
  it.each([
    ['repeatedCall: -1', 'agent.stall.repeatedCall', 'an integer ≥ 0'],
    ['repeatedError: 2.5', 'agent.stall.repeatedError', 'an integer ≥ 0'],
    ['noProgress: soon', 'agent.stall.noProgress', 'duration'],
    ['turnsWithoutEdits: 1.5', 'agent.stall.turnsWithoutEdits', 'from 0 to 1'],
    ['checkInterval: 10ms', 'agent.stall.checkInterval', 'at least 100ms'],
    ['nudge: maybe', 'agent.stall.nudge', 'expected true or false'],
    ['stopGrace: 0', 'agent.stall.stopGrace', 'at least 1ms'],
  ])('refuses %s', (line, key, expected) => {
    const error = expectRefused({ file: writeConfig(`agent:\n  stall:\n    ${line}\n`) }, key);
    expect(error.message).toContain(expected);
  });
});

describe('budgets.mission', () => {
  it('is unlimited by default, and a kind takes the default where it sets nothing', () => {
    expect(load().config.budgets.mission).toEqual({ usd: 0, tokens: 0, turns: 0, kinds: {} });
    const file = writeConfig(
      'budgets:\n  mission:\n    usd: 2\n    turns: 40\n    kinds:\n      review: { usd: 0.5 }\n',
    );
    const budget = load({ file }).config.budgets.mission;
    expect(budget.kinds.review).toEqual({ usd: 0.5, tokens: 0, turns: 0 });
    expect(missionBudgetFor(budget, 'review')).toEqual({ usd: 0.5, tokens: 0, turns: 40 });
    expect(missionBudgetFor(budget, 'fix')).toEqual({ usd: 2, tokens: 0, turns: 40 });
  });

  it.each([
    ['usd: -1', 'budgets.mission.usd', '≥ 0'],
    ['tokens: 1.5', 'budgets.mission.tokens', 'integer'],
    ['kinds:\n      review: { turns: -2 }', 'budgets.mission.kinds.review.turns', '≥ 0'],
  ])('refuses %s', (line, key, expected) => {
    const error = expectRefused({ file: writeConfig(`budgets:\n  mission:\n    ${line}\n`) }, key);
    expect(error.message).toContain(expected);
  });

  it('refuses a kind that does not exist, naming the kinds', () => {
    const message = loadError({
      file: writeConfig('budgets:\n  mission:\n    kinds:\n      reviews: { usd: 1 }\n'),
    }).message;
    expect(message).toContain('"reviews" is not a valid name under budgets.mission.kinds');
    expect(message).toContain('did you mean budgets.mission.kinds.review?');
  });
});
