// The part of the configuration the mission store and missions.md need, in one place, so the
// store, its tests and the benchmark can be given settings without a whole RoshiConfig.
import { backoffSettings } from '../config/backoffSettings.js';
import type { RoshiConfig } from '../config/index.js';
import type { ProjectChoice } from './parse.js';

export interface RetryBackoff {
  initialMs: number;
  maxMs: number;
}

export interface MissionSettings {
  /** Budget copied into each new mission (record.maxAttempts). */
  maxAttempts: number;
  /** Budget copied into each new mission (record.maxTransientAttempts). */
  maxTransientAttempts: number;
  leaseMs: number;
  leaseRenewMs: number;
  retryBackoff: RetryBackoff;
  keepDone: number;
  keepFailed: number;
  projects: ProjectChoice;
  /** Longest mission text accepted at intake (characters); default DEFAULT_MAX_TEXT_LENGTH. */
  maxTextLength?: number;
}

export function missionSettings({ missions: m, projects, defaultProject }: RoshiConfig): MissionSettings {
  return {
    maxAttempts: m.maxAttempts,
    maxTransientAttempts: m.maxTransientAttempts,
    leaseMs: m.lease,
    leaseRenewMs: m.leaseRenew,
    retryBackoff: backoffSettings(m.retryBackoff),
    keepDone: m.keepDone,
    keepFailed: m.keepFailed,
    projects: { names: Object.keys(projects), defaultProject },
    maxTextLength: m.maxTextLength,
  };
}
