// Mission store settings for tests: short leases and backoff, one project "app", with whatever
// a test changes laid over them.
import type { MissionSettings } from '../../src/missions/settings.js';

export function testMissionSettings(overrides: Partial<MissionSettings> = {}): MissionSettings {
  return {
    maxAttempts: 3,
    maxTransientAttempts: 3,
    leaseMs: 30_000,
    leaseRenewMs: 10_000,
    retryBackoff: { initialMs: 1_000, maxMs: 60_000 },
    keepDone: 10,
    keepFailed: 10,
    projects: { names: ['app'], defaultProject: 'app' },
    ...overrides,
  };
}
