// Which finished missions a retention pass archives: past keepFinished, or beyond the newest
// keepFinishedMax; 0 turns a limit off. docs/missions.md#retention
import { describe, expect, it } from 'vitest';
import { expiredMissions, type FinishedRecord } from '../../src/missions/retentionPolicy.js';

const DAY = 86_400_000;
const NOW = 100 * DAY;
const records: FinishedRecord[] = [
  { id: 'b', revision: 2, at: NOW - 40 * DAY },
  { id: 'd', revision: 4, at: NOW - 1 * DAY },
  { id: 'a', revision: 1, at: NOW - 50 * DAY },
  { id: 'c', revision: 3, at: NOW - 10 * DAY },
];
const ids = (r: FinishedRecord[]) => r.map((x) => x.id);

describe('retention policy', () => {
  it('archives what finished before keepFinished, oldest first', () => {
    expect(ids(expiredMissions(records, NOW, { keepFinishedMs: 30 * DAY, keepFinishedMax: 0 }))).toEqual(['a', 'b']);
  });

  it('archives beyond the newest keepFinishedMax', () => {
    expect(ids(expiredMissions(records, NOW, { keepFinishedMs: 0, keepFinishedMax: 1 }))).toEqual(['a', 'b', 'c']);
  });

  it('either limit archives; both off keeps everything', () => {
    expect(ids(expiredMissions(records, NOW, { keepFinishedMs: 45 * DAY, keepFinishedMax: 2 }))).toEqual(['a', 'b']);
    expect(expiredMissions(records, NOW, { keepFinishedMs: 0, keepFinishedMax: 0 })).toEqual([]);
  });
});
