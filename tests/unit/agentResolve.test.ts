// Model and effort resolution: project → role → default, invalid values reported and skipped.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EFFORT_LEVELS,
  isValidModel,
  MODEL_ALIASES,
  resolveEffort,
  resolveModel,
} from '../../src/adapters/agent/resolve.js';

describe('resolveModel', () => {
  it('takes the first level that has a value', () => {
    expect(
      resolveModel([
        { level: 'project', value: 'claude-sonnet-4-5' },
        { level: 'role', value: 'opus' },
        { level: 'default', value: 'haiku' },
      ]),
    ).toEqual({ value: 'claude-sonnet-4-5', level: 'project', rejected: [] });
  });

  it('skips empty values silently', () => {
    expect(
      resolveModel([
        { level: 'project', value: '' },
        { level: 'role', value: '   ' },
        { level: 'default', value: undefined },
        { level: 'extra', value: null },
      ]),
    ).toEqual({ rejected: [] });
    expect(
      resolveModel([
        { level: 'project', value: '' },
        { level: 'role', value: ' sonnet ' },
      ]),
    ).toEqual({ value: 'sonnet', level: 'role', rejected: [] });
  });

  it('reports an invalid value and falls through to the next level', () => {
    const r = resolveModel([
      { level: 'project', value: 'gpt-4o' },
      { level: 'role', value: 'claude-Opus' },
      { level: 'default', value: 'claude-opus-4-1-20250805' },
    ]);
    expect(r.value).toBe('claude-opus-4-1-20250805');
    expect(r.level).toBe('default');
    expect(r.rejected.map((x) => [x.level, x.value])).toEqual([
      ['project', 'gpt-4o'],
      ['role', 'claude-Opus'],
    ]);
    expect(r.rejected[0]?.reason).toMatch(/not a model name/);
  });

  it('nothing valid → no value (the CLI default)', () => {
    const r = resolveModel([
      { level: 'project', value: 'claude-' },
      { level: 'default', value: '--dangerously-skip-permissions' },
    ]);
    expect(r.value).toBeUndefined();
    expect(r.rejected).toHaveLength(2);
  });

  it('accepts the aliases the CLI knows and structurally valid names only', () => {
    for (const alias of ['opus', 'sonnet', 'haiku', 'fable']) expect(isValidModel(alias)).toBe(true);
    for (const good of ['claude-sonnet-4-5', 'claude-3-5-haiku-20241022', 'claude-opus-4.1', 'claude-x1'])
      expect(isValidModel(good), good).toBe(true);
    for (const bad of [
      '',
      'claude',
      'claude-',
      'claude--x-',
      'claude-x-',
      'Claude-opus',
      'claude-opus-4-8[1m]',
      'opus ',
      'gpt-4',
      'claude-a b',
      '-claude-x',
      'OPUS',
      'claude-a_b',
    ])
      expect(isValidModel(bad), bad).toBe(false);
  });

  it('never returns an invalid value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            level: fc.constantFrom('project', 'role', 'default'),
            value: fc.option(fc.string(), { nil: undefined }),
          }),
        ),
        (candidates) => {
          const r = resolveModel(candidates);
          if (r.value !== undefined) expect(isValidModel(r.value)).toBe(true);
          expect(r.rejected.every((x) => !isValidModel(x.value.trim()))).toBe(true);
        },
      ),
    );
  });

  it('exports the alias list', () => {
    expect(MODEL_ALIASES).toEqual(['opus', 'sonnet', 'haiku', 'fable']);
  });
});

describe('resolveEffort', () => {
  it('accepts low, medium, high, xhigh, max', () => {
    expect(EFFORT_LEVELS).toEqual(['low', 'medium', 'high', 'xhigh', 'max']);
    for (const level of EFFORT_LEVELS) expect(resolveEffort([{ level: 'project', value: level }]).value).toBe(level);
  });

  it('reports invalid levels and falls through', () => {
    const r = resolveEffort([
      { level: 'project', value: 'extreme' },
      { level: 'role', value: 'HIGH' },
      { level: 'default', value: 'medium' },
    ]);
    expect(r).toMatchObject({ value: 'medium', level: 'default' });
    expect(r.rejected.map((x) => x.value)).toEqual(['extreme', 'HIGH']);
    expect(r.rejected[0]?.reason).toContain('low, medium, high, xhigh, max');
  });

  it('empty everywhere → undefined', () => {
    expect(resolveEffort([{ level: 'project', value: '' }])).toEqual({ rejected: [] });
  });
});
