// A commit's CI on GitHub: check runs, the combined commit status, workflow runs and their jobs,
// and job logs (GitHub answers 302 to a short-lived URL of the plain-text log, which fetch
// follows without our Authorization header: another origin). The poller's reads are
// conditional (ETag cache); the rebase logs page through everything.
import { everyPage, listingFor, type PageLimit } from './listings.js';
import { CALL_TIMEOUT_MS, call, splitRepo, transportOf, type Transport } from './transport.js';
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
      items: (data.check_runs ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        conclusion: r.conclusion ?? null,
        ...(r.html_url || r.details_url ? { url: (r.html_url || r.details_url) as string } : {}),
        ...(r.app?.slug ? { app: r.app.slug } : {}),
      })),
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
        items: (data.statuses ?? []).map((s) => ({
          context: s.context,
          state: s.state,
          ...(s.target_url ? { url: s.target_url } : {}),
          ...(s.description ? { description: s.description } : {}),
        })),
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
        .map((r) => ({
          id: r.id,
          name: r.name ?? r.display_title ?? `run ${r.id}`,
          status: r.status ?? 'queued',
          conclusion: r.conclusion ?? null,
          headSha: r.head_sha ?? sha,
          ...(r.html_url ? { url: r.html_url } : {}),
        })),
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
  return tailLines(text, lines);
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
}

/** GET /repos/{o}/{r}/actions/runs?head_sha=…, every page. */
export async function runsForSha(github: GitHubClient, repo: string, sha: string): Promise<WorkflowRunSummary[]> {
  const runs = await everyPage(github, repo, 'GET /repos/{owner}/{repo}/actions/runs', { head_sha: sha });
  return runs.map((r) => ({
    id: r.id,
    name: r.name ?? r.display_title ?? `run ${r.id}`,
    workflowId: r.workflow_id,
    runNumber: r.run_number,
    runAttempt: r.run_attempt ?? 1,
    status: r.status ?? 'unknown',
    conclusion: r.conclusion ?? null,
    headSha: r.head_sha,
    url: r.html_url,
    createdAt: r.created_at,
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

// GitHub Actions log lines start with an ISO timestamp: noise for the agent.
const LOG_TIMESTAMP = /^\uFEFF?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ?/;

/** The last `lines` non-empty-trailing lines of a log, timestamps removed. */
export function tailLines(text: string, lines: number): string {
  const all = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  return all
    .slice(Math.max(0, all.length - Math.max(1, lines)))
    .map((line) => line.replace(LOG_TIMESTAMP, ''))
    .join('\n');
}

interface RawCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion?: string | null;
  html_url?: string | null;
  details_url?: string | null;
  app?: { slug?: string } | null;
}
interface RawStatus {
  context: string;
  state: string;
  target_url?: string | null;
  description?: string | null;
}
interface RawWorkflowRun {
  id: number;
  name?: string | null;
  display_title?: string;
  status?: string | null;
  conclusion?: string | null;
  head_sha?: string;
  html_url?: string;
}
