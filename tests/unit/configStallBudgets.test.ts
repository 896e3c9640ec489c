// agent.stall.* refusals: each bad value is refused naming its key and what was expected
// (docs/missions.md#stalls-and-budgets-per-mission).
import { describe, expect, it } from 'vitest';
import { expectRefused } from '../harness/configRefusal.js';
import { useConfigDir } from '../harness/configFiles.js';

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
