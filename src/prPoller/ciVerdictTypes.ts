// The words the CI verdict is made of: what one check run, status or workflow run says, and a
// failing one with what is needed to fetch its log. docs/github.md#ci
import type { FailingJob } from './types.js';

/** What one item says about CI. */
export type ItemVerdict = 'ignored' | 'failure' | 'blocked' | 'pending' | 'success';

/** A failing item, with what is needed to fetch its log. */
export interface FailingItem extends FailingJob {
  kind: 'check' | 'status' | 'workflow';
  /** Check run id (= Actions job id when app is github-actions) or workflow run id. */
  id?: number;
  app?: string;
  /** It was cancelled: not passing, but listed only when nothing failed outright. */
  cancelled?: boolean;
}

/** One judged check run, status or workflow run. */
export type JudgedItem = [ItemVerdict, FailingItem];
