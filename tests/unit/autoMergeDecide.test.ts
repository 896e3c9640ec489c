// decideAutoMerge: continuous green for the grace period, reset on any regression, the worst
// assumed for truncated listings. mergeBoxWait and repeatsRefusal: GitHub's merge box read as
// GitHub's docs describe mergeable_state.
import fc from 'fast-check';
import { greenPr } from '../harness/greenPr.js';
import { describe, expect, it } from 'vitest';
import {
  decideAutoMerge,
  mergeBoxWait,
  notGreenReason,
  repeatsRefusal,
  type MergeBox,
  type MergeCandidate,
} from '../../src/prPoller/autoMerge.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const ON = { enabled: true, graceMinutes: 10 };

const pr = (over: Partial<MergeCandidate> = {}): MergeCandidate => greenPr({ enteredAt: T0, updatedAt: T0, ...over });

describe('decideAutoMerge', () => {
  it('starts the clock on the first green poll and waits for the grace period', () => {
    const first = decideAutoMerge(pr(), ON, T0);
    expect(first).toMatchObject({ action: 'wait', greenSince: T0 });
    expect(decideAutoMerge(pr({ greenSince: T0 }), ON, T0 + 9 * MIN + 59_000)).toMatchObject({
      action: 'wait',
      greenSince: T0,
    });
    const merge = decideAutoMerge(pr({ greenSince: T0 }), ON, T0 + 10 * MIN);
    expect(merge).toMatchObject({ action: 'merge', greenSince: T0 });
    expect(merge.reason).toMatch(/green for 10 min/);
  });

  it('graceMinutes 0 merges on the first green poll', () => {
    expect(decideAutoMerge(pr(), { enabled: true, graceMinutes: 0 }, T0)).toMatchObject({
      action: 'merge',
      greenSince: T0,
    });
  });

  it('resets on any regression, and says why', () => {
    const green = pr({ greenSince: T0 });
    const cases: Array<[Partial<MergeCandidate>, RegExp]> = [
      [{ ci: 'pending' }, /CI is pending/],
      [{ ci: 'failure' }, /CI is failure/],
      [{ ci: 'blocked_approval' }, /blocked_approval/],
      [{ ci: 'none' }, /CI is none/],
      [{ unresolvedThreads: 2 }, /2 unresolved review thread/],
      [{ failing: [{ name: 'test' }] }, /1 failing job/],
      [{ state: 'closed' }, /closed/],
      [{ state: 'merged' }, /merged/],
      [{ truncated: true }, /truncated/],
      [{ ciTruncated: true }, /truncated/],
      [{ unresolvedThreads: Number.NaN }, /unknown/],
    ];
    for (const [change, reason] of cases) {
      const d = decideAutoMerge({ ...green, ...change }, ON, T0 + 60 * MIN);
      expect(d.action, JSON.stringify(change)).toBe('reset');
      expect(d.greenSince).toBeUndefined();
      expect(d.reason).toMatch(reason);
    }
  });

  it('a PR that was never green is left alone (none), not reset', () => {
    expect(decideAutoMerge(pr({ ci: 'pending' }), ON, T0)).toEqual({
      action: 'none',
      reason: 'not green: CI is pending',
    });
  });

  it('turned off: nothing, and a running grace period is reset', () => {
    expect(decideAutoMerge(pr(), { enabled: false, graceMinutes: 10 }, T0)).toMatchObject({ action: 'none' });
    expect(decideAutoMerge(pr({ greenSince: T0 }), { enabled: false, graceMinutes: 10 }, T0 + 60 * MIN)).toMatchObject({
      action: 'reset',
    });
  });

  it('green time before the current head commit was first seen does not count', () => {
    // Green since T0, but a new head appeared at T0 + 8 min (CI was never seen pending for it).
    const d = decideAutoMerge(pr({ greenSince: T0, shaSeenAt: T0 + 8 * MIN }), ON, T0 + 12 * MIN);
    expect(d).toMatchObject({ action: 'wait', greenSince: T0 + 8 * MIN });
    expect(decideAutoMerge(pr({ greenSince: T0 + 8 * MIN, shaSeenAt: T0 + 8 * MIN }), ON, T0 + 18 * MIN)).toMatchObject(
      { action: 'merge' },
    );
    expect(decideAutoMerge(pr({ shaSeenAt: T0 - 60 * MIN }), ON, T0)).toMatchObject({ action: 'wait', greenSince: T0 });
  });

  it('a clock that went back does not count as time passed', () => {
    expect(decideAutoMerge(pr({ greenSince: T0 }), ON, T0 - 30 * MIN)).toMatchObject({
      action: 'wait',
      greenSince: T0,
    });
  });

  it('notGreenReason is undefined only for open, success, nothing failing, no threads, not truncated', () => {
    expect(notGreenReason(pr())).toBeUndefined();
    expect(notGreenReason(pr({ truncated: false }))).toBeUndefined();
  });

  it('a red last gate (failed, broken or unknown) is never green; passed and off are', () => {
    const mark = (gate: string) => ({ gate, mission: 'm1', commit: 'abc' });
    expect(notGreenReason(pr({ lastGate: mark('failed') }))).toBe('the last gate (mission m1) was failed');
    expect(notGreenReason(pr({ lastGate: mark('broken') }))).toBe('the last gate (mission m1) was broken');
    expect(notGreenReason(pr({ lastGate: mark('weird') }))).toBe('the last gate (mission m1) was weird');
    expect(notGreenReason(pr({ lastGate: mark('passed') }))).toBeUndefined();
    expect(notGreenReason(pr({ lastGate: mark('off') }))).toBeUndefined();
    expect(decideAutoMerge(pr({ lastGate: mark('failed'), greenSince: T0 }), ON, T0 + 20 * MIN).action).toBe('reset');
  });

  it('property: it merges only after graceMinutes of uninterrupted green polls', () => {
    const poll = fc.record({ green: fc.boolean(), step: fc.integer({ min: 0, max: 6 * MIN }) });
    fc.assert(
      fc.property(fc.array(poll, { maxLength: 40 }), fc.integer({ min: 0, max: 30 }), (polls, grace) => {
        let now = T0;
        let greenSince: number | undefined;
        let streakStart: number | undefined; // the model: when the current green streak began
        for (const p of polls) {
          now += p.step;
          const d = decideAutoMerge(
            pr({ ci: p.green ? 'success' : 'failure', ...(greenSince === undefined ? {} : { greenSince }) }),
            { enabled: true, graceMinutes: grace },
            now,
          );
          streakStart = p.green ? (streakStart ?? now) : undefined;
          if (d.action === 'merge') {
            expect(p.green).toBe(true);
            expect(now - (streakStart as number)).toBeGreaterThanOrEqual(grace * MIN);
          }
          if (p.green && streakStart !== undefined && now - streakStart >= grace * MIN) expect(d.action).toBe('merge');
          if (!p.green) expect(d.greenSince).toBeUndefined();
          greenSince = d.greenSince;
        }
      }),
    );
  });
});

describe('mergeBoxWait: every mergeable_state GitHub documents', () => {
  const box = (over: Partial<MergeBox>): MergeBox => ({
    draft: false,
    mergeable: true,
    mergeableState: 'clean',
    baseRef: 'main',
    ...over,
  });
  it.each<[string, Partial<MergeBox>, string | undefined, boolean?]>([
    ['clean', {}, undefined],
    ['unstable (a check that is not required failed)', { mergeableState: 'unstable' }, undefined],
    ['has_hooks', { mergeableState: 'has_hooks' }, undefined],
    ['clean but mergeable false', { mergeable: false }, 'GitHub says it cannot be merged', true],
    ['draft', { mergeableState: 'draft', draft: true }, 'it is a draft', true],
    ['draft flag with clean (converted_to_draft payload)', { draft: true }, 'it is a draft', true],
    ['behind', { mergeableState: 'behind' }, 'the branch is behind main', true],
    ['dirty', { mergeableState: 'dirty', mergeable: false }, 'it has merge conflicts with main', true],
    [
      'unknown',
      { mergeableState: 'unknown', mergeable: null },
      'GitHub is still working out whether it can be merged',
      false,
    ],
    [
      'blocked, nothing readable',
      { mergeableState: 'blocked' },
      'GitHub blocks the merge (branch protection or rulesets)',
      true,
    ],
    [
      'blocked, 1 required, none given',
      { mergeableState: 'blocked', requiredApprovals: 1, approvals: 0 },
      '1 approving review required',
      true,
    ],
    [
      'blocked, 2 required, 1 given',
      { mergeableState: 'blocked', requiredApprovals: 2, approvals: 1 },
      '2 approving reviews required, 1 given',
      true,
    ],
    [
      'blocked, reviews enough',
      { mergeableState: 'blocked', requiredApprovals: 1, approvals: 1 },
      'GitHub blocks the merge (branch protection or rulesets)',
      true,
    ],
    [
      'blocked, changes requested',
      { mergeableState: 'blocked', approvals: 1, changesRequestedBy: ['bob', 'eve'] },
      'changes requested by bob, eve',
      true,
    ],
  ])('%s', (_name, over, reason, tell) => {
    const wait = mergeBoxWait(box(over));
    if (reason === undefined) expect(wait).toBeUndefined();
    else expect(wait).toEqual({ reason, tell });
  });
});

describe('repeatsRefusal', () => {
  const refusal = { sha: 'a'.repeat(40), reason: '405 Pull Request is not mergeable', mergeableState: 'clean' };
  it('same head and merge box: a repeat; a new head or a moved box: worth asking', () => {
    expect(repeatsRefusal(undefined, 'a'.repeat(40), 'clean')).toBe(false);
    expect(repeatsRefusal(refusal, 'a'.repeat(40), 'clean')).toBe(true);
    expect(repeatsRefusal(refusal, 'b'.repeat(40), 'clean')).toBe(false);
    expect(repeatsRefusal(refusal, 'a'.repeat(40), 'unstable')).toBe(false);
  });
});
