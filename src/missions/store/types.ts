// The mission store's public shapes: what callers pass in and what they are told.
import type { Logger } from '../../log.js';
import type { Mission, MissionSource, MissionStatus } from '../../contracts/index.js';

export interface MissionInput {
  /** The mission as a person wrote it, optionally starting with [project:x]. */
  text: string;
  /** An explicit project (e.g. --project); must agree with a tag in the text. */
  project?: string;
  /** Put it at the head of the queue. */
  now?: boolean;
  /** Where it came from; default 'nats'. */
  source?: MissionSource;
  /** Who asked. */
  by?: string;
  /**
   * The message this request came from ("<provider>:<chat>:<message id>"): a second request
   * naming it gets the first one's mission (store/intakeKeys.ts).
   */
  intake?: string;
  /** Material for the agent (CI log tails, review comments); capped at MISSION_CONTEXT_MAX. */
  context?: string;
}

export type ReorderTarget = 'top' | 'bottom' | number;

export interface ListOptions {
  status?: MissionStatus | readonly MissionStatus[];
  limit?: number;
}

export type MissionChangeListener = (id: string, mission: Mission | undefined) => void;

/** A record in the bucket that is not a mission: kept out of the index, shown by `mission list`. */
export interface QuarantinedRecord {
  id: string;
  revision: number;
  reason: string;
}

export interface MissionStoreOptions {
  logger?: Logger;
  /** Time for changes that are not given a `now`; default Date.now. */
  clock?: () => number;
}
