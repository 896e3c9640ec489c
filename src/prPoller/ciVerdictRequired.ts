// Required checks decide over optional ones, as in GitHub's merge box: when branch protection or
// a ruleset names required status checks, a failing optional check does not make the PR red, and
// a required check that has not reported yet keeps it pending. Pure. docs/github.md#ci
import type { FailingItem, ItemVerdict, JudgedItem } from './ciVerdictTypes.js';
import type { CiState } from './types.js';

export interface RequiredOutcome {
  state: CiState;
  /** Required checks that failed (what a /ci_check is about). */
  failing: FailingItem[];
  /** Failing checks that are not required: reported, never red. */
  optionalFailing: FailingItem[];
  /** Required checks nothing has reported yet. */
  missing: string[];
}

/** The worse of two verdicts for one required name (two apps may report the same context). */
const RANK: Record<ItemVerdict, number> = { failure: 4, blocked: 3, pending: 2, success: 1, ignored: 0 };

/** The verdict when `required` (non-empty) names the checks that must pass. */
export function requiredDecides(
  items: readonly JudgedItem[],
  required: readonly string[],
  truncated: boolean,
): RequiredOutcome {
  const wanted = new Set(required);
  // Workflow runs are not status checks: protection names jobs (check runs) and status contexts.
  const isRequired = ([, item]: JudgedItem) => item.kind !== 'workflow' && wanted.has(item.name);
  const byName = new Map<string, ItemVerdict>();
  for (const entry of items.filter(isRequired)) {
    const seen = byName.get(entry[1].name);
    if (seen === undefined || RANK[entry[0]] > RANK[seen]) byName.set(entry[1].name, entry[0]);
  }
  // A stale (ignored) report is no report.
  const missing = required.filter((name) => (byName.get(name) ?? 'ignored') === 'ignored');
  const failing = items.filter((e) => isRequired(e) && e[0] === 'failure').map(([, item]) => item);
  const optionalFailing = items.filter((e) => !isRequired(e) && e[0] === 'failure').map(([, item]) => item);
  const unsettled = missing.length > 0 || [...byName.values()].some((v) => v === 'pending' || v === 'blocked');
  // A required check that has not reported may sit behind a run waiting for approval.
  const anyBlocked = items.some(([verdict]) => verdict === 'blocked');
  const state: CiState =
    failing.length > 0
      ? 'failure'
      : unsettled && anyBlocked
        ? 'blocked_approval'
        : unsettled || truncated
          ? 'pending'
          : 'success';
  return { state, failing, optionalFailing, missing };
}
