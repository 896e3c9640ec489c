// A running mission's cost so far on the live page: read from its run logs as the day ledger
// counts a stream (each answer once, the result's exact cost when a run has one), every attempt
// summed, another mission's logs left alone.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { statePaths } from '../../src/paths.js';
import { missionSpendSoFar } from '../../src/web/spendSoFar.js';

const usage = { input_tokens: 1_000, output_tokens: 10, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
const answer = (id: string) =>
  JSON.stringify({ type: 'assistant', message: { id, model: 'claude-sonnet-4-5', usage, content: [] } });
const result = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  num_turns: 1,
  total_cost_usd: 0.5,
  usage,
});

describe('a running mission’s cost so far', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sums every run of the mission from its logs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'roshi-web-spend-'));
    const runs = join(statePaths(dir).runs, 'runner-1');
    mkdirSync(runs, { recursive: true });
    expect(await missionSpendSoFar(dir, 'm1')).toBeUndefined();
    // The first attempt ended with the CLI's exact figures; the second still streams.
    writeFileSync(join(runs, 'm1-20261203T100000.log'), ['[roshi] run started', answer('a1'), result, ''].join('\n'));
    writeFileSync(join(runs, 'm1-20261203T110000.log'), [answer('b1'), answer('b1'), answer('b2')].join('\n'));
    writeFileSync(join(runs, 'm2-20261203T110000.log'), [answer('c1'), result].join('\n'));
    const spent = await missionSpendSoFar(dir, 'm1');
    expect(spent).toMatchObject({ runs: 2, turns: 3, tokens: 3 * 1_010 });
    expect(spent!.usd).toBeGreaterThan(0.5);
    expect(spent!.usd).toBeLessThan(0.6);
  });
});
