import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMentions, ZWJ } from '../../src/adapters/github/index.js';
import {
  breakerStatus,
  combineGates,
  commitMessage,
  createPipelineBreakers,
  notification,
  pullRequestBody,
  titleLine,
  type GateOutcome,
} from '../../src/runner/pipeline.js';

const mission = { id: 'm-42', text: 'Fix the flaky test in api', kind: 'free' as const, project: 'app' };

describe('escapeMentions', () => {
  it('puts a zero-width joiner after the @ of the three bots, case-insensitively', () => {
    expect(escapeMentions('@copilot fix this')).toBe(`@${ZWJ}copilot fix this`);
    expect(escapeMentions('cc @Dependabot, @GITHUB-ACTIONS.')).toBe(`cc @${ZWJ}Dependabot, @${ZWJ}GITHUB-ACTIONS.`);
    expect(escapeMentions('(@dependabot[bot])')).toBe(`(@${ZWJ}dependabot[bot])`);
    expect(escapeMentions('`@copilot`')).toBe(`\`@${ZWJ}copilot\``);
  });

  it('leaves other logins and text alone', () => {
    for (const text of ['@copilot-fan', '@copilots', '@octocat', 'no mention', 'me@example.com', '@github']) {
      expect(escapeMentions(text)).toBe(text);
    }
  });

  it('property: idempotent, only inserts joiners, and leaves no bot summoned', () => {
    const piece = fc.constantFrom(
      '@copilot',
      '@Copilot',
      '@dependabot',
      '@github-actions',
      '@copilot-x',
      ' ',
      '@',
      'a',
      '-',
      '\n',
      '`',
      ZWJ,
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 20 }).map((p) => p.join('')),
        (text) => {
          const once = escapeMentions(text);
          expect(escapeMentions(once)).toBe(once);
          expect(once.replaceAll(ZWJ, '')).toBe(text.replaceAll(ZWJ, ''));
          expect(once).not.toMatch(/@(?:copilot|dependabot|github-actions)(?![A-Za-z0-9-])/i);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('texts', () => {
  it('titleLine flattens whitespace and cuts at 60 characters with an ellipsis', () => {
    expect(titleLine('  fix\n\tthe   test ')).toBe('fix the test');
    const long = titleLine('x'.repeat(100));
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
    expect(Array.from(titleLine('🙂'.repeat(70)))).toHaveLength(60);
  });

  it('commit message: summary line, blank line, mission line', () => {
    expect(commitMessage(mission, 'app')).toBe(
      'roshi: Fix the flaky test in api\n\nMission m-42 (free, project app)\n',
    );
    const summary = commitMessage({ ...mission, text: `a ${'very '.repeat(30)}long mission` }, 'app').split('\n')[0]!;
    expect(summary.length).toBeLessThanOrEqual('roshi: '.length + 60);
  });

  it('PR body: mission text, agent summary, mission line with the target', () => {
    const body = pullRequestBody({
      mission: { ...mission, kind: 'fix', url: 'https://github.com/o/r/issues/3' },
      project: { name: 'app' } as never,
      summary: 'Made it deterministic.',
    });
    expect(body).toBe(
      'Fix the flaky test in api\n\n## Summary\n\nMade it deterministic.\n\n---\nMission `m-42` (fix, project app, target https://github.com/o/r/issues/3). Opened by roshi.',
    );
  });

  it('notification: one terse line, plus one per problem', () => {
    const base = { mission, project: { name: 'app' } as never, branch: 'roshi/fix-m00042' };
    expect(
      notification(base, { steps: [], prUrl: 'https://github.com/o/r/pull/1', pushed: true, gate: 'passed', ok: true }),
    ).toBe('✅ [project:app] Fix the flaky test in api → https://github.com/o/r/pull/1 · gate passed');
    expect(
      notification(base, {
        steps: [{ step: 'lint', ok: false, detail: 'failed (warn: …): `x` exit 1\nlots\nof output' }],
        pushed: false,
        gate: 'failed',
        ok: true,
      }),
    ).toBe(
      '⚠️ [project:app] Fix the flaky test in api → branch roshi/fix-m00042, nothing pushed · gate failed\n  lint: failed (warn: …): `x` exit 1',
    );
  });
});

describe('combineGates', () => {
  it('broken > failed > passed; off only when both are off', () => {
    const cases: Array<[GateOutcome, GateOutcome, GateOutcome]> = [
      ['off', 'off', 'off'],
      ['off', 'passed', 'passed'],
      ['passed', 'passed', 'passed'],
      ['passed', 'failed', 'failed'],
      ['failed', 'broken', 'broken'],
      ['broken', 'off', 'broken'],
      ['off', 'failed', 'failed'],
    ];
    for (const [a, b, expected] of cases) {
      expect(combineGates(a, b)).toBe(expected);
      expect(combineGates(b, a)).toBe(expected);
    }
  });
});

describe('createPipelineBreakers', () => {
  it('three closed breakers, named for /status, restorable', () => {
    const breakers = createPipelineBreakers({
      now: () => 1_000,
      restore: { journal: { state: 'open', failures: 3, recentFailures: [], openUntil: 50_000, opens: 2 } },
    });
    try {
      expect(breakerStatus(breakers)).toEqual([
        { name: 'pipeline.usage', state: 'closed', failures: 0, recentFailures: [], openUntil: undefined, opens: 0 },
        { name: 'pipeline.journal', state: 'open', failures: 3, recentFailures: [], openUntil: 50_000, opens: 2 },
        { name: 'pipeline.notify', state: 'closed', failures: 0, recentFailures: [], openUntil: undefined, opens: 0 },
      ]);
      // Each call builds new rows: changing one does not change the breaker.
      breakerStatus(breakers)[0]!.failures = 99;
      expect(breakerStatus(breakers)[0]!.failures).toBe(0);
    } finally {
      breakers.stop();
    }
  });
});
