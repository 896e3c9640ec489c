// approval: merge on a followed PR (src/prPoller/mergeApproval.ts, docs/missions.md#approval):
// a green PR past its grace waits while the merge approval is pending or rejected, merges once
// approved; the state travels from the mission record to the PR through the mission events.
import { describe, expect, it } from 'vitest';
import { missionEvent } from '../../src/contracts/index.js';
import { decideAutoMerge } from '../../src/prPoller/autoMergeDecide.js';
import { mergeApprovalOf, withMergeApproval } from '../../src/prPoller/mergeApproval.js';
import { missionEventMeaning } from '../../src/prPoller/missionEvents.js';
import { greenPr } from '../harness/greenPr.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const settings = { enabled: true, graceMinutes: 10 };
const now = MISSION_T0 + 3_600_000;
const green = (mergeApproval?: { mission: string; state: 'pending' | 'approved' | 'rejected'; by?: string }) =>
  greenPr({ greenSince: now - 20 * 60_000, ...(mergeApproval ? { mergeApproval } : {}) });

describe('auto-merge of a PR with approval: merge', () => {
  it('waits while the approval is pending, naming the /approve to give', () => {
    const decision = decideAutoMerge(green({ mission: 'm1', state: 'pending' }), settings, now);
    expect(decision).toMatchObject({ action: 'wait', reason: 'approval: merge — waiting for /approve m1' });
    expect(decision.greenSince).toBe(now - 20 * 60_000);
  });

  it('merges once approved, as a PR without the gate does', () => {
    expect(decideAutoMerge(green({ mission: 'm1', state: 'approved', by: 'cli' }), settings, now).action).toBe('merge');
    expect(decideAutoMerge(green(), settings, now).action).toBe('merge');
  });

  it('never merges after a rejection', () => {
    const decision = decideAutoMerge(green({ mission: 'm1', state: 'rejected', by: 'cli' }), settings, now);
    expect(decision.action).toBe('wait');
    expect(decision.reason).toContain('rejected by cli');
  });
});

describe('the merge approval carried by mission events', () => {
  const prUrl = 'https://github.com/acme/app/pull/7';
  const asked = missionRecord({
    status: 'done',
    result: { prUrl, branch: 'roshi/x-abc123' },
    approval: { gate: 'merge', state: 'pending', summary: 's', askedAt: MISSION_T0 },
  });
  const opts = { branchPrefix: 'roshi', repos: ['acme/app'] };

  it('a finished mission that asks puts the ask on its PR; a push that asks nothing clears it', () => {
    const finished = missionEvent('finished', asked, now);
    expect(missionEventMeaning(finished, opts).type).toBe('pushed');
    const pr = withMergeApproval(greenPr({}), mergeApprovalOf(finished));
    expect(pr.mergeApproval).toEqual({ mission: 'm1', state: 'pending' });
    const plain = missionEvent('finished', missionRecord({ status: 'done', result: { prUrl } }), now);
    expect(withMergeApproval(pr, mergeApprovalOf(plain)).mergeApproval).toBeUndefined();
  });

  it('/approve of it reaches the PR as an approval event naming the PR', () => {
    const approved = missionEvent(
      'approved',
      { ...asked, approval: { ...asked.approval!, state: 'approved', by: 'cli' } },
      now,
    );
    expect(missionEventMeaning(approved, opts)).toMatchObject({
      type: 'approval',
      ref: { repo: 'acme/app', number: 7 },
    });
    expect(mergeApprovalOf(approved)).toEqual({ mission: 'm1', state: 'approved', by: 'cli' });
  });
});
