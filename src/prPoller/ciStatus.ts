// CI aggregation of one commit (always the PR's latest head SHA) from check runs, commit
// statuses and workflow runs (the only place that says a run waits for approval). Pure.
// What counts as what, the verdict's order, and why a truncated listing is pending at best:
// docs/github.md#ci.
import type { CheckRun, CommitStatus, WorkflowRun } from '../adapters/github/index.js';
import type { CiState, FailingJob } from './types.js';

// The GitHub adapter's shapes are the inputs: one definition of a check run, a status, a run.
export type CheckRunInfo = CheckRun;
export type CommitStatusInfo = CommitStatus;
/** The head SHA is not needed to judge a run (the listing is for one SHA already). */
export type WorkflowRunInfo = Omit<WorkflowRun, 'headSha'>;

export interface CiInputs {
  checkRuns: readonly CheckRunInfo[];
  statuses: readonly CommitStatusInfo[];
  workflowRuns: readonly WorkflowRunInfo[];
  /** Some listing had more entries than were fetched. */
  truncated?: boolean;
}

/** What one item says about CI. */
export type ItemVerdict = 'ignored' | 'failure' | 'blocked' | 'pending' | 'success';

/** A failing item, with what is needed to fetch its log. */
export interface FailingItem extends FailingJob {
  kind: 'check' | 'status' | 'workflow';
  /** Check run id (= Actions job id when app is github-actions) or workflow run id. */
  id?: number;
  app?: string;
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
}

const IGNORED_CONCLUSIONS = new Set(['skipped', 'cancelled', 'neutral', 'stale']);
const FAILED_CONCLUSIONS = new Set(['failure', 'timed_out', 'startup_failure']);

/** Check runs and workflow runs share GitHub's status/conclusion vocabulary. */
export function runVerdict(status: string, conclusion: string | null): ItemVerdict {
  if (status === 'waiting') return 'blocked';
  if (status !== 'completed') return 'pending';
  const c = conclusion ?? '';
  if (IGNORED_CONCLUSIONS.has(c)) return 'ignored';
  if (FAILED_CONCLUSIONS.has(c)) return 'failure';
  if (c === 'action_required') return 'blocked';
  if (c === 'success') return 'success';
  // completed without a conclusion GitHub documents: not green, not a failure roshi could fix
  return 'pending';
}

export function statusVerdict(state: string): ItemVerdict {
  if (state === 'failure' || state === 'error') return 'failure';
  if (state === 'success') return 'success';
  return 'pending';
}

export function aggregateCi(inputs: CiInputs): CiVerdict {
  const failing: FailingItem[] = [];
  const blocked: string[] = [];
  let pending = 0;
  let succeeded = 0;
  let ignored = 0;
  // Every check run, commit status and workflow run as (its verdict, what a failure reports).
  const items: Array<[ItemVerdict, FailingItem]> = [
    ...inputs.checkRuns.map((run): [ItemVerdict, FailingItem] => [
      runVerdict(run.status, run.conclusion),
      { kind: 'check', name: run.name, id: run.id, ...present({ url: run.url, app: run.app }) },
    ]),
    ...inputs.statuses.map((status): [ItemVerdict, FailingItem] => [
      statusVerdict(status.state),
      { kind: 'status', name: status.context, ...present({ url: status.url }) },
    ]),
    ...inputs.workflowRuns.map((run): [ItemVerdict, FailingItem] => [
      runVerdict(run.status, run.conclusion),
      { kind: 'workflow', name: run.name, id: run.id, ...present({ url: run.url }) },
    ]),
  ];
  for (const [verdict, item] of items) {
    if (verdict === 'failure') failing.push(item);
    else if (verdict === 'blocked') blocked.push(item.name);
    else if (verdict === 'pending') pending++;
    else if (verdict === 'success') succeeded++;
    else ignored++;
  }
  const truncated = inputs.truncated === true;
  const state: CiState =
    failing.length > 0
      ? 'failure'
      : blocked.length > 0
        ? 'blocked_approval'
        : pending > 0 || truncated
          ? 'pending'
          : succeeded > 0
            ? 'success'
            : 'none';
  return { state, failing: dedupeFailing(failing), blocked, pending, succeeded, ignored, truncated };
}

/**
 * A failed Actions workflow also shows as its failed jobs (check runs): list the jobs, and a
 * failed workflow run only when no check run failed (it failed before any job started).
 */
function dedupeFailing(failing: FailingItem[]): FailingItem[] {
  return failing.some((f) => f.kind === 'check') ? failing.filter((f) => f.kind !== 'workflow') : failing;
}

/** The fields that carry a value (an empty string or undefined is left out). */
function present<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value)) as { [K in keyof T]?: string };
}
