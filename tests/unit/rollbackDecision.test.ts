// Judging a switched build from each child that leaves `starting`: roll back on the first one
// started after the switch that does not reach running, confirm once every child ran on it.
import { describe, expect, it } from 'vitest';
import { judgeStart } from '../../src/update/rollbackDecision.js';
import type { SwitchRecord } from '../../src/update/switchRecord.js';

const AT = 1_000_000;
const record: SwitchRecord = { from: '/old', to: '/new', buildId: 'b2', at: AT, state: 'pending' };
const CHILDREN = ['watchdog', 'runner-1'];
const started = (child: string, reachedRunning: boolean, startedAt = AT + 10, reason?: string) => ({
  child,
  startedAt,
  reachedRunning,
  ...(reason ? { reason } : {}),
});

describe('judgeStart', () => {
  it('rolls back when a child started on the new build does not reach running', () => {
    expect(
      judgeStart(record, '/new', started('watchdog', false, AT + 10, 'no heartbeat after start'), [], CHILDREN),
    ).toEqual({
      kind: 'rollback',
      reason: 'watchdog did not reach running on build b2 (no heartbeat after start)',
    });
  });

  it('ignores processes started before the switch: they ran the old build', () => {
    expect(judgeStart(record, '/new', started('runner-1', false, AT - 1), [], CHILDREN)).toEqual({ kind: 'none' });
  });

  it('counts children that reached running, and confirms once all have', () => {
    expect(judgeStart(record, '/new', started('watchdog', true), [], CHILDREN)).toEqual({
      kind: 'progress',
      onNewBuild: ['watchdog'],
    });
    expect(judgeStart(record, '/new', started('runner-1', true), ['watchdog'], CHILDREN)).toEqual({ kind: 'confirm' });
  });

  it('does nothing without a pending switch, or when the link was moved since', () => {
    const failed = started('watchdog', false);
    expect(judgeStart(undefined, '/new', failed, [], CHILDREN)).toEqual({ kind: 'none' });
    expect(judgeStart({ ...record, state: 'confirmed' }, '/new', failed, [], CHILDREN)).toEqual({ kind: 'none' });
    expect(judgeStart({ ...record, state: 'rolledBack' }, '/old', failed, [], CHILDREN)).toEqual({ kind: 'none' });
    expect(judgeStart(record, '/elsewhere', failed, [], CHILDREN)).toEqual({ kind: 'none' });
  });
});
