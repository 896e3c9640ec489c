// A pending mission that waits for another's branch says for whom in the missions service's get
// and list replies (`waitingFor`), and `mission show`, `mission list` and the chat's /list print it
// (docs/missions.md#one-mission-per-branch).
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { readWaitingFor, type MissionReply } from '../../src/contracts/missionReply.js';
import { missionLine } from '../../src/bridge/format.js';
import { formatMission, formatTable } from '../../src/cli/mission.js';
import { asReply, type ListReply } from '../../src/missions/service.js';
import type { BranchHolder } from '../../src/missions/store/branchKeys.js';
import { MISSION_T0, missionRecord } from '../harness/missionRecord.js';

const PR = 'https://github.com/o/r/pull/7';
const running = missionRecord({
  id: 'run00000001',
  kind: 'rebase',
  url: PR,
  status: 'running',
  startedAt: MISSION_T0,
  lease: { runner: 'runner-1', until: MISSION_T0 + 30_000 },
});
const pending = missionRecord({ id: 'pen00000001', kind: 'ci_check', url: PR, text: `/ci_check ${PR}` });
const waiting: MissionReply = { ...pending, waitingFor: { mission: 'run00000001', branch: 'roshi/fix-7' } };

/** A store that says every pending mission waits for `holder`, counting how often it is asked. */
function storeWaitingFor(holder: BranchHolder | undefined) {
  const asked: string[] = [];
  return {
    asked,
    waitingFor: (m: Mission) => {
      asked.push(m.id);
      return holder;
    },
  };
}

const listReply = (missions: MissionReply[]): ListReply => ({
  missions,
  total: missions.length,
  truncated: false,
  counts: { pending: 1, running: 1, awaiting_approval: 0, done: 0, failed: 0, cancelled: 0 },
  invalid: [],
});

describe('the reply', () => {
  it('a pending mission that waits carries waitingFor; the stored record is left as it was', () => {
    const store = storeWaitingFor({ id: 'run00000001', label: 'roshi/fix-7', branch: 'roshi/fix-7' });
    const reply = asReply(store, pending);
    expect(reply.waitingFor).toEqual({ mission: 'run00000001', branch: 'roshi/fix-7' });
    expect(pending).not.toHaveProperty('waitingFor');
  });
  it('names the PR while the branch is not known yet', () => {
    expect(asReply(storeWaitingFor({ id: 'run00000001', label: 'o/r#7' }), pending).waitingFor).toEqual({
      mission: 'run00000001',
      branch: 'o/r#7',
    });
  });
  it('a mission that does not wait, or is not pending, has no waitingFor (and the store is not asked)', () => {
    expect(asReply(storeWaitingFor(undefined), pending)).not.toHaveProperty('waitingFor');
    const store = storeWaitingFor({ id: 'x', label: 'y' });
    expect(asReply(store, running)).toBe(running);
    expect(store.asked).toEqual([]);
  });
  it('is checked where it is read: an unusable field reads as not waiting', () => {
    expect(readWaitingFor(waiting)).toEqual({ mission: 'run00000001', branch: 'roshi/fix-7' });
    expect(readWaitingFor(pending)).toBeUndefined();
    expect(readWaitingFor({ waitingFor: 'run00000001' })).toBeUndefined();
    expect(readWaitingFor({ waitingFor: { mission: 'run00000001' } })).toBeUndefined();
    expect(readWaitingFor({ waitingFor: { mission: '', branch: 'b' } })).toBeUndefined();
    expect(readWaitingFor(null)).toBeUndefined();
  });
});

describe('mission show', () => {
  it('has a line saying for whom it waits, right after the status', () => {
    const lines = formatMission(waiting).split('\n');
    const status = lines.findIndex((l) => /^status\s+pending$/.test(l));
    expect(lines[status + 1]).toMatch(/^waits for\s+run00000001 on roshi\/fix-7 \(one mission per branch at a time\)$/);
  });
  it('has no such line for a mission that does not wait', () => {
    expect(formatMission(pending)).not.toContain('waits for');
  });
});

describe('mission list', () => {
  it('the status column says for whom a pending mission waits', () => {
    const table = formatTable(listReply([running, waiting]));
    const row = table.split('\n').find((l) => l.startsWith('pen00000001'));
    expect(row).toMatch(/^pen00000001\s+pending \(waits for run00000001 on roshi\/fix-7\)\s+app\s+ci_check/);
    const other = table.split('\n').find((l) => l.startsWith('run00000001'));
    expect(other).toMatch(/^run00000001\s+running\s+app/);
  });
});

describe('the chat /list', () => {
  it('a waiting mission line ends saying for whom it waits', () => {
    expect(missionLine(waiting, MISSION_T0, 2)).toBe(
      `2. ⏳ pen00000001 [app] /ci_check ${PR} — waits for run00000001 on roshi/fix-7`,
    );
    expect(missionLine(pending, MISSION_T0)).toBe(`⏳ pen00000001 [app] /ci_check ${PR}`);
  });
});
