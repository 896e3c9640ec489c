// The part of the configuration the mission store and missions.md need, in one place, so the
// store, its tests and the benchmark can be given settings without a whole RoshiConfig.
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

export function missionSettings(config: RoshiConfig): MissionSettings {
  const m = config.missions;
  return {
    maxAttempts: m.maxAttempts,
    maxTransientAttempts: m.maxTransientAttempts,
    leaseMs: m.lease,
    leaseRenewMs: m.leaseRenew,
    retryBackoff: { initialMs: m.retryBackoff.initial, maxMs: m.retryBackoff.max },
    keepDone: m.keepDone,
    keepFailed: m.keepFailed,
    projects: { names: Object.keys(config.projects), defaultProject: config.defaultProject },
    maxTextLength: m.maxTextLength,
  };
}
