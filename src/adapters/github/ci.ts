// A commit's CI on GitHub: check runs, the combined commit status, workflow runs and their jobs,
// and job logs (GitHub answers 302 to a short-lived URL of the plain-text log, which fetch
// follows without our Authorization header: another origin). The poller's reads are
// conditional (ETag cache); the rebase logs page through everything. GitHub's objects → ours: ciShapes.ts.
import { everyPage, listingFor, type PageLimit } from './listings.js';
import { tailOfLog } from './logTail.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf, type Transport } from './transport.js';
import {
  type RawCheckRun,
  type RawStatus,
  type RawWorkflowRun,
  toCheckRun,
  toCommitStatus,
  toWorkflowRun,
  workflowName,
} from './ciShapes.js';
import type { CheckRun, CombinedStatus, CommitStatus, GitHubClient, Listing, WorkflowRun } from './types.js';

export function listCheckRuns(
  t: Transport,
  repo: string,
  sha: string,
  opts: PageLimit = {},
): Promise<Listing<CheckRun>> {
  return listingFor<CheckRun, { total_count?: number; check_runs?: RawCheckRun[] }>(
    t,
    repo,
    'GET /repos/{owner}/{repo}/commits/{ref}/check-runs',
    { ref: sha },
    opts.maxPages ?? 3,
    (data) => ({
      // The listing is for one commit; a proxy or an old server that ignores the ref must not mix commits.
      items: (data.check_runs ?? []).filter((r) => r.head_sha === undefined || r.head_sha === sha).map(toCheckRun),
      ...totalOf(data),
    }),
  );
}

export async function combinedStatus(
  t: Transport,
  repo: string,
  sha: string,
  opts: PageLimit = {},
): Promise<CombinedStatus> {
  let state = 'pending';
  const listing = await listingFor<CommitStatus, { state?: string; total_count?: number; statuses?: RawStatus[] }>(
    t,
    repo,
    'GET /repos/{owner}/{repo}/commits/{ref}/status',
    { ref: sha },
    opts.maxPages ?? 1,
    (data) => {
      state = data.state ?? state;
      return {
        items: (data.statuses ?? []).map(toCommitStatus),
        ...totalOf(data),
      };
    },
  );
  return {
    state,
    statuses: listing.items,
    total: listing.total,
    truncated: listing.truncated,
    notModified: listing.notModified,
  };
}

export function listWorkflowRuns(
  t: Transport,
  repo: string,
  sha: string,
  opts: PageLimit = {},
): Promise<Listing<WorkflowRun>> {
  return listingFor<WorkflowRun, { total_count?: number; workflow_runs?: RawWorkflowRun[] }>(
    t,
    repo,
    'GET /repos/{owner}/{repo}/actions/runs',
    { head_sha: sha },
    opts.maxPages ?? 1,
    (data) => ({
      items: (data.workflow_runs ?? [])
        // GitHub filters by head_sha; a proxy or an old server that ignores it must not mix commits.
        .filter((r) => r.head_sha === undefined || r.head_sha === sha)
        .map((r) => toWorkflowRun(r, sha)),
      ...totalOf(data),
    }),
  );
}

/** A listing page's total_count, when GitHub sent one. */
function totalOf(data: { total_count?: number }): { total?: number } {
  return typeof data.total_count === 'number' ? { total: data.total_count } : {};
}

/** A job's log as octokit hands it over (text or bytes); `timeoutMs` is the overall deadline. */
async function fetchJobLog(t: Transport, repo: string, jobId: number, timeoutMs?: number): Promise<unknown> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`GET /repos/${repo}/actions/jobs/${jobId}/logs`, () =>
    t.octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', {
      owner,
      repo: name,
      job_id: jobId,
      request: t.request(timeoutMs),
    }),
  );
  return data;
}

/** The last `lines` lines of a job's log, timestamps removed; a failure counts in stats.errors. */
export async function jobLogTail(t: Transport, repo: string, jobId: number, lines: number): Promise<string> {
  const data = await fetchJobLog(t, repo, jobId).catch((error: unknown) => {
    t.stats.errors++;
    throw error;
  });
  const text =
    typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : String(data ?? '');
  return tailOfLog(text, lines);
}

/** GET /repos/{o}/{r}/actions/jobs/{id}/logs: the whole log (a leading BOM kept). */
export async function jobLog(github: GitHubClient, repo: string, jobId: number): Promise<string> {
  const data = await fetchJobLog(transportOf(github), repo, jobId, CALL_TIMEOUT_MS);
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return String(data ?? '');
}

export interface WorkflowRunSummary {
  id: number;
  name: string;
  workflowId: number;
  runNumber: number;
  runAttempt: number;
  status: string;
  conclusion: string | null;
  headSha: string;
  url: string;
  createdAt: string;
  event?: string;
}

/** GET /repos/{o}/{r}/actions/runs?head_sha=…, every page. */
export async function runsForSha(github: GitHubClient, repo: string, sha: string): Promise<WorkflowRunSummary[]> {
  const runs = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/actions/runs', { head_sha: sha });
  return runs.map((r) => ({
    id: r.id,
    name: workflowName(r),
    workflowId: r.workflow_id,
    runNumber: r.run_number,
    runAttempt: r.run_attempt ?? 1,
    status: r.status ?? 'unknown',
    conclusion: r.conclusion ?? null,
    headSha: r.head_sha,
    url: r.html_url,
    createdAt: r.created_at,
    ...(r.event ? { event: r.event } : {}),
  }));
}

export interface JobSummary {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  url: string | null;
}

/** GET /repos/{o}/{r}/actions/runs/{id}/jobs?filter=latest (the latest attempt), every page. */
export async function jobsOfRun(github: GitHubClient, repo: string, runId: number): Promise<JobSummary[]> {
  const jobs = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs', {
    run_id: runId,
    filter: 'latest',
  });
  return jobs.map((j) => ({
    id: j.id,
    name: j.name,
    status: j.status,
    conclusion: j.conclusion ?? null,
    url: j.html_url ?? null,
  }));
}

/** The last `lines` lines of a log, timestamps and ANSI codes removed (logTail.ts). */
export const tailLines = tailOfLog;
