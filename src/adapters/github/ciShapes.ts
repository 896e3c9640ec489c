// GitHub's CI objects (check runs, commit statuses, workflow runs) as the REST listings and the
// webhook payloads carry them, turned into the adapter's shapes: one mapping for the poller's
// listings, the /rebase logs and webhooks. docs/github.md#ci
import type { CheckRun, CommitStatus, WorkflowRun } from './types.js';

/** A check run as GitHub returns it (REST listing or webhook payload), in the adapter's shape. */
export function toCheckRun(r: RawCheckRun): CheckRun {
  return {
    id: r.id,
    name: r.name || `check run ${r.id}`,
    status: r.status,
    conclusion: r.conclusion ?? null,
    ...(r.html_url || r.details_url ? { url: (r.html_url || r.details_url) as string } : {}),
    ...(r.app?.slug ? { app: r.app.slug } : {}),
    ...(r.head_sha ? { headSha: r.head_sha } : {}),
    ...(typeof r.check_suite?.id === 'number' ? { checkSuiteId: r.check_suite.id } : {}),
  };
}

/** A commit status as GitHub returns it, in the adapter's shape. */
export function toCommitStatus(s: RawStatus): CommitStatus {
  return {
    context: s.context,
    state: s.state,
    ...(s.target_url ? { url: s.target_url } : {}),
    ...(s.description ? { description: s.description } : {}),
  };
}

/** A workflow run as GitHub returns it (REST listing or webhook payload), in the adapter's shape. */
export function toWorkflowRun(r: RawWorkflowRun, sha = ''): WorkflowRun {
  return {
    id: r.id,
    name: workflowName(r),
    status: r.status ?? 'queued',
    conclusion: r.conclusion ?? null,
    headSha: r.head_sha ?? sha,
    ...(r.html_url ? { url: r.html_url } : {}),
    ...(typeof r.workflow_id === 'number' ? { workflowId: r.workflow_id } : {}),
    ...(typeof r.run_number === 'number' ? { runNumber: r.run_number } : {}),
    ...(typeof r.run_attempt === 'number' ? { runAttempt: r.run_attempt } : {}),
    ...(typeof r.check_suite_id === 'number' ? { checkSuiteId: r.check_suite_id } : {}),
    ...(r.path ? { path: r.path } : {}),
    ...(r.event ? { event: r.event } : {}),
  };
}

/**
 * What a run is called: its workflow's name; a workflow without one (GitHub sends name "") by
 * its file, as GitHub's UI does; else by its id. display_title is the commit's title, not the workflow.
 */
export function workflowName(r: { id: number; name?: string | null; path?: string | null }): string {
  return r.name?.trim() || r.path || `workflow run ${r.id}`;
}

export interface RawCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion?: string | null;
  html_url?: string | null;
  details_url?: string | null;
  app?: { slug?: string } | null;
  head_sha?: string;
  check_suite?: { id?: number } | null;
}
export interface RawStatus {
  context: string;
  state: string;
  target_url?: string | null;
  description?: string | null;
}
export interface RawWorkflowRun {
  id: number;
  name?: string | null;
  display_title?: string;
  status?: string | null;
  conclusion?: string | null;
  head_sha?: string;
  html_url?: string;
  workflow_id?: number;
  run_number?: number;
  run_attempt?: number;
  check_suite_id?: number;
  path?: string;
  event?: string;
}
