// Which missions share a branch, and whom a pending one waits for (src/missions/store/branchKeys.ts).
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { branchKeys, heldBranches, waitingFor, waitingText } from '../../src/missions/store/branchKeys.js';
import { missionRecord } from '../harness/missionRecord.js';

const mission = (over: Partial<Mission>): Mission =>
  missionRecord({ id: 'm0000000000', text: 't', maxTransientAttempts: 3, createdAt: 0, updatedAt: 0, ...over });

const PR = 'https://github.com/O/R/pull/7';

describe('branchKeys', () => {
  it('a PR command keys on its PR; a free mission has none until it records a branch', () => {
    expect(branchKeys(mission({ kind: 'rebase', url: PR }))).toEqual([{ key: 'pr o/r#7', label: 'O/R#7' }]);
    expect(branchKeys(mission({ kind: 'fix', url: 'https://github.com/o/r/issues/7' }))).toEqual([]);
    expect(branchKeys(mission({}))).toEqual([]);
    expect(branchKeys(mission({ result: { branch: 'roshi/a', prUrl: PR } })).map((k) => k.key)).toEqual([
      'branch app roshi/a',
      'pr o/r#7',
    ]);
  });
});

describe('waitingFor', () => {
  const running = mission({
    id: 'run00000000',
    kind: 'rebase',
    url: `${PR}/`,
    status: 'running',
    lease: { runner: 'r1', until: 100 },
  });
  const pending = mission({ id: 'pen00000000', kind: 'ci_check', url: PR });

  it('a pending mission on a PR a running one holds waits for it', () => {
    const holder = waitingFor(pending, heldBranches([running, pending], 50));
    expect(holder).toEqual({ id: 'run00000000', label: 'O/R#7' });
    expect(waitingText(holder!)).toBe('waits for run00000000 on O/R#7');
  });

  it('names the branch when either mission has recorded it', () => {
    const known = { ...pending, result: { branch: 'roshi/x' } };
    expect(waitingFor(known, heldBranches([running], 50))?.label).toBe('roshi/x');
  });

  it('a lease run out or a finished holder holds nothing; a cancelled one with its lease still does', () => {
    expect(waitingFor(pending, heldBranches([running], 101))).toBeUndefined();
    expect(waitingFor(pending, heldBranches([{ ...running, status: 'done', lease: undefined }], 50))).toBeUndefined();
    expect(waitingFor(pending, heldBranches([{ ...running, status: 'cancelled' }], 50))?.id).toBe('run00000000');
  });
});
