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
  const count = (verdict: ItemVerdict, name: string, fail: () => FailingItem) => {
    if (verdict === 'failure') failing.push(fail());
    else if (verdict === 'blocked') blocked.push(name);
    else if (verdict === 'pending') pending++;
    else if (verdict === 'success') succeeded++;
    else ignored++;
  };
  for (const run of inputs.checkRuns) {
    count(runVerdict(run.status, run.conclusion), run.name, () => ({
      kind: 'check',
      name: run.name,
      id: run.id,
      ...(run.url ? { url: run.url } : {}),
      ...(run.app ? { app: run.app } : {}),
    }));
  }
  for (const status of inputs.statuses) {
    count(statusVerdict(status.state), status.context, () => ({
      kind: 'status',
      name: status.context,
      ...(status.url ? { url: status.url } : {}),
    }));
  }
  for (const run of inputs.workflowRuns) {
    count(runVerdict(run.status, run.conclusion), run.name, () => ({
      kind: 'workflow',
      name: run.name,
      id: run.id,
      ...(run.url ? { url: run.url } : {}),
    }));
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
