// missions.md shows why a pending mission does not start: another mission holds its branch.
process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { findAddedPendingLines } from '../../src/missions/pendingImport.js';
import { renderMissionsFile } from '../../src/missions/render.js';
import { missionRecord } from '../harness/missionRecord.js';

const NOW = Date.UTC(2025, 3, 4, 21, 0);
const PR = 'https://github.com/o/r/pull/7';

// A record as the renderer sees it; what a test does not set is shown as plain as can be.
const mission = (over: Partial<Mission> & Pick<Mission, 'id'>): Mission =>
  missionRecord({
    text: 'x',
    order: 0,
    maxTransientAttempts: 5,
    createdAt: NOW - 60_000,
    updatedAt: NOW - 60_000,
    ...over,
  });

const running = mission({
  id: 'run00000001',
  kind: 'rebase',
  url: PR,
  text: `/rebase ${PR}`,
  status: 'running',
  startedAt: NOW - 30_000,
  lease: { runner: 'runner-1', until: NOW + 30_000 },
  result: { branch: 'roshi/fix-7' },
});
const waiting = mission({ id: 'pen00000001', kind: 'ci_check', url: PR, text: `/ci_check ${PR}` });

describe('missions.md: waiting missions', () => {
  it('a pending mission whose branch a running one holds says for whom it waits', () => {
    const text = renderMissionsFile([running, waiting], { now: NOW, keepDone: 5, keepFailed: 5 });
    expect(text).toContain(`- [project:app] /ci_check ${PR} ⏳@ 8:59pm — waits for run00000001 on roshi/fix-7\n`);
  });

  it('nothing is said once the holder finished, and a rendered waiting line is not imported again', () => {
    const done = { ...running, status: 'done' as const, lease: undefined, finishedAt: NOW };
    const text = renderMissionsFile([done, waiting], { now: NOW, keepDone: 5, keepFailed: 5 });
    expect(text).toContain(`- [project:app] /ci_check ${PR} ⏳@ 8:59pm\n`);
    const rendered = renderMissionsFile([running, waiting], { now: NOW, keepDone: 5, keepFailed: 5 });
    expect(findAddedPendingLines(rendered, rendered)).toEqual([]);
  });
});
