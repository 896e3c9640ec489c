// budgets.day.* : the defaults (unlimited) and refusals naming the key and what was expected
// (docs/missions.md#spend-and-budgets).
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../harness/configRefusal.js';
import { load, useConfigDir } from '../harness/configFiles.js';

const { writeConfig } = useConfigDir();

describe('budgets.day', () => {
  it('is unlimited by default, and takes money, tokens and turns per project and system', () => {
    expect(load().config.budgets.day).toEqual({
      project: { usd: 0, tokens: 0, turns: 0 },
      system: { usd: 0, tokens: 0, turns: 0 },
    });
    const file = writeConfig(
      'budgets:\n  day:\n    project:\n      usd: 2.5\n    system:\n      tokens: 1000000\n      turns: 400\n',
    );
    expect(load({ file }).config.budgets.day).toEqual({
      project: { usd: 2.5, tokens: 0, turns: 0 },
      system: { usd: 0, tokens: 1_000_000, turns: 400 },
    });
  });

  it.each([
    ['project:\n      usd: -1', 'budgets.day.project.usd', '≥ 0'],
    ['system:\n      usd: lots', 'budgets.day.system.usd', 'number'],
    ['system:\n      tokens: 1.5', 'budgets.day.system.tokens', 'integer'],
    ['project:\n      turns: -3', 'budgets.day.project.turns', '≥ 0'],
  ])('refuses %s', (lines, key, expected) => {
    const error = expectRefused({ file: writeConfig(`budgets:\n  day:\n    ${lines}\n`) }, key);
    expect(error.message).toContain(expected);
  });
});
