// A valid mission record for unit tests of the missions module: pending, project app, kind free,
// budgets of 3 attempts and 4 transient ones, created at MISSION_T0. Tests override what they test.
import type { Mission } from '../../src/contracts/index.js';

export const MISSION_T0 = 1_700_000_000_000;

// Grouped by what they say about the mission, so a test reads which part it overrides.
const WHAT = { id: 'm1', text: 'fix it', project: 'app', kind: 'free', source: 'cli' } as const;
const QUEUED = { status: 'pending', order: 1, createdAt: MISSION_T0, updatedAt: MISSION_T0 } as const;
const BUDGETS = { attempts: 0, transientAttempts: 0, maxAttempts: 3, maxTransientAttempts: 4 };

/** A pending mission record with `over` applied. */
export const missionRecord = (over: Partial<Mission> = {}): Mission => ({ ...WHAT, ...QUEUED, ...BUDGETS, ...over });
