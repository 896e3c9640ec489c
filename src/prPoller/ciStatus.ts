// CI of one commit (the PR's current head) judged the way GitHub's merge box judges it, from
// check runs, commit statuses and workflow runs (the only place that says a run waits for
// approval): newest run per workflow and check (ciVerdictNewest.ts), required checks over
// optional ones (ciVerdictRequired.ts). Pure. The rules and why: docs/github.md#ci.
import type { CheckRun, CommitStatus, WorkflowRun } from '../adapters/github/index.js';
import { currentCheckRuns, newestRunPerWorkflow } from './ciVerdictNewest.js';
import { requiredDecides } from './ciVerdictRequired.js';
import type { FailingItem, ItemVerdict, JudgedItem } from './ciVerdictTypes.js';
import type { CiState } from './types.js';

export type { FailingItem, ItemVerdict } from './ciVerdictTypes.js';

// The GitHub adapter's shapes are the inputs: one definition of a check run, a status, a run.
export type CheckRunInfo = CheckRun;
export type CommitStatusInfo = CommitStatus;
/** The head SHA is optional here: the listings are for one SHA already. */
export type WorkflowRunInfo = Omit<WorkflowRun, 'headSha'> & { headSha?: string };

export interface CiInputs {
  checkRuns: readonly CheckRunInfo[];
  statuses: readonly CommitStatusInfo[];
  workflowRuns: readonly WorkflowRunInfo[];
  /** Some listing had more entries than were fetched. */
  truncated?: boolean;
  /** The PR's current head: anything that says it ran on another commit is not its CI. */
  headSha?: string;
  /** Required status checks of the base branch; undefined (not readable) or empty: every check counts. */
  required?: readonly string[];
}

export interface CiVerdict {
  state: CiState;
  failing: FailingItem[];
  /** Names of what waits for approval, for the notification. */
  blocked: string[];
  pending: number;
  succeeded: number;
  ignored: number;
  truncated: boolean;
  /** Failing checks that are not required (only when required checks are known): never red. */
  optionalFailing: FailingItem[];
  /** Required checks that have not reported. */
  missing: string[];
}

/** Passing, as in GitHub's merge box: a skipped or neutral check does not block a merge. */
const PASSING_CONCLUSIONS = new Set(['success', 'skipped', 'neutral']);
/** Not passing: cancelled too (GitHub's merge box counts a cancelled required check as failing). */
const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out', 'startup_failure', 'cancelled']);

/** Check runs and workflow runs share GitHub's status/conclusion vocabulary. */
export function runVerdict(status: string, conclusion: string | null): ItemVerdict {
  if (status === 'waiting') return 'blocked';
  if (status !== 'completed') return 'pending';
  const c = conclusion ?? '';
  if (c === 'stale') return 'ignored'; // GitHub marked it outdated (a newer run replaced it)
  if (FAILED_CONCLUSIONS.has(c)) return 'failure';
  if (c === 'action_required') return 'blocked';
  if (PASSING_CONCLUSIONS.has(c)) return 'success';
  // completed without a conclusion GitHub documents: not green, not a failure roshi could fix
  return 'pending';
}

export function statusVerdict(state: string): ItemVerdict {
  if (state === 'failure' || state === 'error') return 'failure';
  if (state === 'success') return 'success';
  return 'pending';
}

export function aggregateCi(inputs: CiInputs): CiVerdict {
  const onHead = <T extends { headSha?: string }>(item: T) =>
    // an item that does not say which commit it ran on ('' or absent) is taken as the listing's
    !inputs.headSha || !item.headSha || item.headSha === inputs.headSha;
  const allRuns = inputs.workflowRuns.filter(onHead);
  const workflowRuns = newestRunPerWorkflow(allRuns);
  const checkRuns = currentCheckRuns(inputs.checkRuns.filter(onHead), allRuns);
  // Every current check run, commit status and workflow run as (its verdict, what a failure reports).
  const items: JudgedItem[] = [
    ...checkRuns.map(
      (run): JudgedItem => [
        runVerdict(run.status, run.conclusion),
        {
          kind: 'check',
          name: run.name,
          id: run.id,
          ...present({ url: run.url, app: run.app }),
          ...cancelled(run.conclusion),
        },
      ],
    ),
    ...inputs.statuses.map(
      (status): JudgedItem => [
        statusVerdict(status.state),
        { kind: 'status', name: status.context, ...present({ url: status.url }) },
      ],
    ),
    ...workflowRuns.map(
      (run): JudgedItem => [
        runVerdict(run.status, run.conclusion),
        { kind: 'workflow', name: run.name, id: run.id, ...present({ url: run.url }), ...cancelled(run.conclusion) },
      ],
    ),
  ];
  const count = (verdict: ItemVerdict) => items.filter(([v]) => v === verdict).length;
  const blocked = items.filter(([v]) => v === 'blocked').map(([, item]) => item.name || `${item.kind} ${item.id}`);
  const truncated = inputs.truncated === true;
  const tally = {
    blocked,
    pending: count('pending'),
    succeeded: count('success'),
    ignored: count('ignored'),
    truncated,
  };
  if (inputs.required !== undefined && inputs.required.length > 0) {
    const outcome = requiredDecides(items, inputs.required, truncated);
    return {
      ...tally,
      ...outcome,
      failing: reported(outcome.failing),
      optionalFailing: reported(outcome.optionalFailing),
    };
  }
  const failing = items.filter(([v]) => v === 'failure').map(([, item]) => item);
  const state: CiState =
    failing.length > 0
      ? 'failure'
      : blocked.length > 0
        ? 'blocked_approval'
        : tally.pending > 0 || truncated
          ? 'pending'
          : tally.succeeded > 0
            ? 'success'
            : 'none';
  return { ...tally, state, failing: reported(failing), optionalFailing: [], missing: [] };
}

/**
 * What a /ci_check is told about: a failed Actions workflow also shows as its failed jobs, so a
 * workflow run only when no check run failed (it failed before any job started); cancelled
 * jobs (a fail-fast matrix cancels the rest) only when nothing failed outright.
 */
function reported(failing: FailingItem[]): FailingItem[] {
  const outright = failing.filter((f) => f.cancelled !== true);
  const shown = outright.length > 0 ? outright : failing;
  return shown.some((f) => f.kind === 'check') ? shown.filter((f) => f.kind !== 'workflow') : shown;
}

function cancelled(conclusion: string | null): { cancelled?: true } {
  return conclusion === 'cancelled' ? { cancelled: true } : {};
}

/** The fields that carry a value (an empty string or undefined is left out). */
function present<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value)) as { [K in keyof T]?: string };
}
