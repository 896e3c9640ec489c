// Approval gates as transitions (src/missions/approval.ts, docs/missions.md#approval): a held
// run keeps its work and asks; /approve sends it back to the queue to be delivered; /reject
// cancels it; nothing else can be approved or rejected. Also which gate a mission stops at.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { Mission } from '../../src/contracts/index.js';
import { approveMission, noteFollowUp, NoPendingApprovalError, rejectMission } from '../../src/missions/approval.js';
import { approvalModeFor, gateToHold } from '../../src/missions/approvalMode.js';
import { missionOutcome } from '../../src/missions/outcome.js';
import { finishMission } from '../../src/missions/transitions.js';
import { missionRecordProblem } from '../../src/missions/validate.js';
import { expectRefused } from '../harness/configRefusal.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const backoff = { initialMs: 1000, maxMs: 10_000 };
const T1 = MISSION_T0 + 60_000;
const running = (): Mission =>
  missionRecord({
    status: 'running',
    attempts: 1,
    startedAt: MISSION_T0,
    lease: { runner: 'runner-1', until: T1 + 30_000 },
  });
const success = { outcome: 'success' as const, summary: 'did it', details: { costUsd: 0.25, durationMs: 5000 } };
const pipeline = (gate: 'push' | 'merge') => ({
  ok: true,
  steps: [{ step: 'push', ok: true, skipped: true, detail: 'skipped: held for approval' }],
  awaitingApproval: { gate, summary: '1 file changed (a.txt), +1 −0 lines; no gates; cost $0.25' },
});

function held(): Mission {
  const outcome = missionOutcome(success, pipeline('push'), 'roshi/fix-it-m1');
  return finishMission(running(), 'runner-1', outcome, T1, backoff).mission;
}

describe('a run held at the push gate', () => {
  it('waits in awaiting_approval without a lease, its work kept as the delivery, with the ask as its notice', () => {
    const outcome = missionOutcome(success, pipeline('push'), 'roshi/fix-it-m1');
    const t = finishMission(running(), 'runner-1', outcome, T1, backoff);
    expect(t.event).toBe('awaiting_approval');
    expect(t.mission.status).toBe('awaiting_approval');
    expect(t.mission.lease).toBeUndefined();
    expect(t.mission.finishedAt).toBeUndefined();
    expect(t.mission.delivery).toMatchObject({ summary: 'did it', costUsd: 0.25, attempt: 1 });
    expect(t.mission.approval).toMatchObject({ gate: 'push', state: 'pending', askedAt: T1 });
    expect(t.mission.notice?.text).toContain('/approve m1');
    expect(t.mission.notice?.text).toContain('1 file changed (a.txt)');
    expect(t.mission.result?.branch).toBe('roshi/fix-it-m1');
    expect(missionRecordProblem('m1', t.mission)).toBeUndefined();
  });

  it('a failed pipeline is not held: no approval is asked for work that did not land', () => {
    const outcome = missionOutcome(success, { ...pipeline('push'), ok: false }, 'b');
    expect(outcome.hold).toBeUndefined();
    expect(finishMission(running(), 'runner-1', outcome, T1, backoff).mission.status).not.toBe('awaiting_approval');
  });

  it('/approve: back to pending with the approval given, the delivery kept (no new agent run)', () => {
    const t = approveMission(held(), 'telegram:1', T1 + 1000);
    expect(t.event).toBe('approved');
    expect(t.mission.status).toBe('pending');
    expect(t.mission.approval).toMatchObject({ state: 'approved', by: 'telegram:1', decidedAt: T1 + 1000 });
    expect(t.mission.delivery).toBeDefined();
    // Approved once: the next run does not stop at the same gate.
    expect(gateToHold('push', t.mission)).toBe('none');
    expect(gateToHold('push', held())).toBe('push');
  });

  it('/reject: cancelled with who and why, the delivery dropped; a follow-up is remembered', () => {
    const t = rejectMission(held(), 'cli', 'wrong file', T1 + 1000);
    expect(t.event).toBe('rejected');
    expect(t.mission.status).toBe('cancelled');
    expect(t.mission.finishedAt).toBe(T1 + 1000);
    expect(t.mission.delivery).toBeUndefined();
    expect(t.mission.approval).toMatchObject({ state: 'rejected', by: 'cli', reason: 'wrong file' });
    expect(t.mission.result?.error).toBe('push rejected by cli: wrong file');
    expect(noteFollowUp(t.mission, 'm2', T1 + 2000)?.mission.approval?.followUp).toBe('m2');
  });

  it('nothing else can be approved or rejected, and an answer cannot be given twice', () => {
    expect(() => approveMission(missionRecord(), 'cli', T1)).toThrow(NoPendingApprovalError);
    expect(() => rejectMission(running(), 'cli', undefined, T1)).toThrow(/waits for no approval/);
    const approved = approveMission(held(), 'cli', T1).mission;
    expect(() => approveMission(approved, 'cli', T1)).toThrow(/already approved by cli/);
    expect(() => rejectMission(approved, 'cli', 'late', T1)).toThrow(NoPendingApprovalError);
  });
});

describe('a run held at the merge gate', () => {
  it('is done with its PR, the ask pending; /approve lets the PR merge, /reject leaves it for a person', () => {
    const outcome = missionOutcome(success, { ...pipeline('merge'), prUrl: 'https://github.com/o/r/pull/7' }, 'b');
    const done = finishMission(running(), 'runner-1', outcome, T1, backoff).mission;
    expect(done.status).toBe('done');
    expect(done.approval).toMatchObject({ gate: 'merge', state: 'pending' });
    expect(approveMission(done, 'cli', T1).mission).toMatchObject({ status: 'done', approval: { state: 'approved' } });
    expect(rejectMission(done, 'cli', undefined, T1).mission).toMatchObject({
      status: 'done',
      approval: { state: 'rejected' },
    });
  });
});

describe('which gate a mission stops at', () => {
  const config = (overrides: Record<string, unknown>) => loadConfig({ env: {}, overrides }).config;

  it('none by default; missions.approval.<kind> per kind; projects.<name>.approval wins when set', () => {
    const base = config({ projects: { app: { path: '/x' } } });
    expect(approvalModeFor(base, { project: 'app', kind: 'free' })).toBe('none');
    const byKind = config({ projects: { app: { path: '/x' } }, missions: { approval: { implement: 'push' } } });
    expect(approvalModeFor(byKind, { project: 'app', kind: 'implement' })).toBe('push');
    expect(approvalModeFor(byKind, { project: 'app', kind: 'free' })).toBe('none');
    const byProject = config({
      projects: { app: { path: '/x', approval: 'merge' } },
      missions: { approval: { implement: 'push' } },
    });
    expect(approvalModeFor(byProject, { project: 'app', kind: 'implement' })).toBe('merge');
  });

  it('a bad value is refused naming the key and what it expects', () => {
    const kind = expectRefused(
      { env: {}, overrides: { missions: { approval: { free: 'yes' } } } },
      'missions.approval.free',
    );
    expect(kind.message).toMatch(/none.*push.*merge/);
    const project = expectRefused(
      { env: {}, overrides: { projects: { app: { path: '/x', approval: 'always' } } } },
      'projects.app.approval',
    );
    expect(project.message).toMatch(/push/);
  });
});
