// gateVerdict: a red strict gate holds the push back (block) unless every red one says draft.
import { describe, expect, it } from 'vitest';
import type { GateRun, GateSettings } from '../../src/runner/gates.js';
import { gateVerdict } from '../../src/runner/gateVerdict.js';

const run = (outcome: GateRun['outcome'], failsMission: boolean, detail = `${outcome} (…)`): GateRun => ({
  report: { step: 'x', ok: outcome === 'passed' || outcome === 'off', detail },
  outcome,
  failsMission,
});
const gate = (step: string, settings: Partial<GateSettings>, r: GateRun) => ({
  step,
  settings: { mode: 'strict', commands: ['x'], ...settings },
  run: r,
});

describe('gateVerdict', () => {
  it('green, off or warn-red gates push', () => {
    expect(
      gateVerdict([
        gate('quality-gate', {}, run('passed', false)),
        gate('lint', { mode: 'warn' }, run('failed', false)),
      ]),
    ).toEqual({ action: 'push', red: '', details: [] });
  });

  it('a red strict gate blocks by default, and with an onFail typo (fail closed)', () => {
    expect(gateVerdict([gate('quality-gate', {}, run('failed', true, 'failed: `x` exit 1\nout'))])).toEqual({
      action: 'block',
      red: 'quality-gate failed',
      details: ['quality-gate: failed: `x` exit 1\nout'],
    });
    expect(gateVerdict([gate('lint', { onFail: 'drafty' }, run('broken', true))]).action).toBe('block');
  });

  it('draft only when every red strict gate says draft', () => {
    const draft = gate('quality-gate', { onFail: 'draft' }, run('failed', true));
    expect(gateVerdict([draft, gate('lint', { onFail: 'block' }, run('passed', false))]).action).toBe('draft');
    const both = gateVerdict([draft, gate('lint', { onFail: 'block' }, run('broken', true))]);
    expect(both).toMatchObject({ action: 'block', red: 'quality-gate failed, lint broken' });
  });
});
