// The GitHub REST calls behind mentions, auto-merge, branch cleanup and rebase logs: small
// functions over the adapter's octokit (throttling, retry, GitHub Enterprise base URL and the
// caller's logger come with it). Each failure becomes a GitHubError naming the route and
// GitHub's message (toGitHubError), never the token. Everything roshi writes (comments) goes
// through outgoingText here (secret scrubber, then escapeMentions), so no caller can forget it.
//
// Paths with a branch name in them (refs) are built with the branch's '/' kept as is and every
// segment URL-encoded: `/git/refs/heads/roshi/fix-x`, the form GitHub documents, rather than
// octokit's `{ref}` expansion, which would send `heads%2Froshi%2Ffix-x`.
import { outgoingText, splitRepo, toGitHubError, type GitHubClient } from '../adapters/github.js';

/** Overall deadline of one call (pagination included): a daemon must not hang on GitHub. */
export const CALL_TIMEOUT_MS = 3 * 60_000;

const request = () => ({ signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

async function call<T>(route: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toGitHubError(route, error);
  }
}

/** The HTTP status of a failed call, when GitHub answered (GitHubError or octokit's RequestError). */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** `heads/roshi/x` → `heads/roshi/x` with each segment URL-encoded, slashes kept. */
export function encodeRefPath(ref: string): string {
  return ref
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

// ─── identity ────────────────────────────────────────────────────────────────────────────────

/** GET /user: the login the token belongs to. */
export async function authenticatedLogin(github: GitHubClient): Promise<string> {
  const { data } = await call('GET /user', () => github.octokit.request('GET /user', { request: request() }));
  return data.login;
}

// ─── notifications and comments ──────────────────────────────────────────────────────────────

export interface NotificationThread {
  id: string;
  reason: string;
  updatedAt: string;
  /** owner/name */
  repo: string;
  /** 'Issue', 'PullRequest', 'Commit', 'Release', 'Discussion', … */
  type: string;
  title: string;
  /** API URL of the issue or PR (…/repos/o/r/issues/5 or …/pulls/5); null for some types. */
  subjectUrl: string | null;
  /** The issue or PR number parsed from subjectUrl. */
  number?: number;
}

/**
 * GET /notifications?participating=true&all=true&since=…, every page (GitHub's maximum page is
 * 50 here). `all=true` because a notification someone marked read in the web UI is still a
 * command; the cursor (`since`) is what keeps polls small.
 */
export async function listParticipatingNotifications(github: GitHubClient, since: string): Promise<{ threads: NotificationThread[]; serverDate?: string }> {
  let serverDate: string | undefined;
  const threads = await call('GET /notifications', () =>
    github.octokit.paginate(
      github.octokit.rest.activity.listNotificationsForAuthenticatedUser,
      { participating: true, all: true, since, per_page: 50, request: request() },
      (response) => {
        serverDate ??= typeof response.headers.date === 'string' ? response.headers.date : undefined;
        return response.data;
      },
    ),
  );
  return {
    threads: threads.map((t) => {
      const subjectUrl = t.subject.url ?? null;
      const number = subjectUrl ? /\/(?:issues|pulls)\/(\d+)$/.exec(subjectUrl)?.[1] : undefined;
      return {
        id: t.id,
        reason: t.reason,
        updatedAt: t.updated_at,
        repo: t.repository.full_name,
        type: t.subject.type,
        title: t.subject.title,
        subjectUrl,
        ...(number === undefined ? {} : { number: Number(number) }),
      };
    }),
    ...(serverDate === undefined ? {} : { serverDate }),
  };
}

export interface IssueComment {
  id: number;
  body: string;
  login: string;
  /** 'User', 'Bot', 'Organization' */
  userType: string;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  /** 👍 count from the comment's reaction rollup; undefined when GitHub did not send one. */
  plusOnes?: number;
}

/** GET /repos/{o}/{r}/issues/{n}/comments?since=…, every page, oldest first (GitHub's order). */
export async function listIssueComments(github: GitHubClient, repo: string, number: number, since?: string): Promise<IssueComment[]> {
  const { owner, name } = splitRepo(repo);
  const comments = await call(`GET /repos/${repo}/issues/${number}/comments`, () =>
    github.octokit.paginate(github.octokit.rest.issues.listComments, {
      owner,
      repo: name,
      issue_number: number,
      per_page: 100,
      ...(since === undefined ? {} : { since }),
      request: request(),
    }),
  );
  return comments.map((c) => ({
    id: c.id,
    body: c.body ?? '',
    login: c.user?.login ?? '',
    userType: c.user?.type ?? 'User',
    htmlUrl: c.html_url,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    ...(c.reactions === undefined ? {} : { plusOnes: c.reactions['+1'] }),
  }));
}

export interface IssueText {
  title: string;
  body: string;
  login: string;
  htmlUrl: string;
}

/** GET /repos/{o}/{r}/issues/{n}: the title, body and author of an issue (or of a PR, as an issue). */
export async function getIssue(github: GitHubClient, repo: string, number: number): Promise<IssueText> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`GET /repos/${repo}/issues/${number}`, () =>
    github.octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo: name, issue_number: number, request: request() }),
  );
  return { title: data.title, body: data.body ?? '', login: data.user?.login ?? 'ghost', htmlUrl: data.html_url };
}

/** Logins that reacted 👍 to an issue comment (GET …/issues/comments/{id}/reactions?content=+1, every page). */
export async function plusOneLogins(github: GitHubClient, repo: string, commentId: number): Promise<string[]> {
  const { owner, name } = splitRepo(repo);
  const reactions = await call(`GET /repos/${repo}/issues/comments/${commentId}/reactions`, () =>
    github.octokit.paginate(github.octokit.rest.reactions.listForIssueComment, {
      owner,
      repo: name,
      comment_id: commentId,
      content: '+1',
      per_page: 100,
      request: request(),
    }),
  );
  return reactions.filter((r) => r.content === '+1').map((r) => r.user?.login ?? '');
}

/** POST …/issues/comments/{id}/reactions { content: '+1' }: 201 new, 200 when it was already there. */
export async function addPlusOne(github: GitHubClient, repo: string, commentId: number): Promise<void> {
  const { owner, name } = splitRepo(repo);
  await call(`POST /repos/${repo}/issues/comments/${commentId}/reactions`, () =>
    github.octokit.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
      owner,
      repo: name,
      comment_id: commentId,
      content: '+1',
      request: request(),
    }),
  );
}

/** POST /repos/{o}/{r}/issues/{n}/comments with the body passed through outgoingText (scrubbed, mentions escaped). */
export async function postIssueComment(github: GitHubClient, repo: string, number: number, body: string): Promise<{ id: number; url: string }> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`POST /repos/${repo}/issues/${number}/comments`, () =>
    github.octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo: name,
      issue_number: number,
      body: outgoingText(body),
      request: request(),
    }),
  );
  return { id: Number(data.id), url: data.html_url };
}

/**
 * GET /repos/{o}/{r}/collaborators/{login}/permission. `permission` is the base level (admin,
 * write, read, none: maintain shows as write, triage as read); `roleName` the role (admin,
 * maintain, write, triage, read or a custom role). A 404 (not a collaborator, or no such user)
 * is `none`.
 */
export async function collaboratorPermission(github: GitHubClient, repo: string, login: string): Promise<{ permission: string; roleName: string }> {
  const { owner, name } = splitRepo(repo);
  try {
    const { data } = await call(`GET /repos/${repo}/collaborators/${login}/permission`, () =>
      github.octokit.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { owner, repo: name, username: login, request: request() }),
    );
    return { permission: data.permission, roleName: data.role_name ?? data.permission };
  } catch (error) {
    if (statusOf(error) === 404) return { permission: 'none', roleName: 'none' };
    throw error;
  }
}

// ─── pull requests ───────────────────────────────────────────────────────────────────────────

export interface PullSummary {
  number: number;
  state: string;
  merged: boolean;
  headRef: string;
  headSha: string;
  /** owner/name of the head repository (a fork in fork setups); undefined when it was deleted. */
  headRepo?: string;
  url: string;
}

/** GET /repos/{o}/{r}/pulls?head=<owner>:<branch>&state=all, every page. */
export async function pullsForHead(github: GitHubClient, repo: string, branch: string, headOwner?: string): Promise<PullSummary[]> {
  const { owner, name } = splitRepo(repo);
  const pulls = await call(`GET /repos/${repo}/pulls`, () =>
    github.octokit.paginate(github.octokit.rest.pulls.list, {
      owner,
      repo: name,
      head: `${headOwner ?? owner}:${branch}`,
      state: 'all',
      per_page: 100,
      request: request(),
    }),
  );
  return pulls
    .filter((p) => p.head.ref === branch)
    .map((p) => ({
      number: p.number,
      state: p.state,
      merged: p.merged_at !== null && p.merged_at !== undefined,
      headRef: p.head.ref,
      headSha: p.head.sha,
      ...(p.head.repo ? { headRepo: p.head.repo.full_name } : {}),
      url: p.html_url,
    }));
}

export interface MergeCallResult {
  merged: boolean;
  /** The merge (or squash/rebase) commit. */
  sha: string;
  message: string;
}

/**
 * PUT /repos/{o}/{r}/pulls/{n}/merge with `sha`: GitHub merges only if the head is still that
 * commit (409 otherwise). 405 means not mergeable (conflicts, branch protection, required reviews).
 */
export async function mergePull(github: GitHubClient, repo: string, number: number, sha: string, method: 'merge' | 'squash' | 'rebase'): Promise<MergeCallResult> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`PUT /repos/${repo}/pulls/${number}/merge`, () =>
    github.octokit.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
      owner,
      repo: name,
      pull_number: number,
      sha,
      merge_method: method,
      // No retries: a refused merge (405/409) resets the grace period instead of being hammered.
      request: { ...request(), retries: 0 },
    }),
  );
  return { merged: data.merged, sha: data.sha, message: data.message };
}

// ─── branches (refs) ─────────────────────────────────────────────────────────────────────────

/**
 * Branches under `<prefix>/` with their tips: GET /repos/{o}/{r}/git/matching-refs/heads/<prefix>
 * (every page), filtered to `refs/heads/<prefix>/…` so `roshi-old/x` is not taken for `roshi/x`.
 */
export async function branchesUnder(github: GitHubClient, repo: string, prefix: string): Promise<Array<{ branch: string; sha: string }>> {
  const { owner, name } = splitRepo(repo);
  const clean = prefix.replace(/\/+$/, '');
  const route = `GET /repos/${repo}/git/matching-refs/heads/${clean}`;
  const refs = await call(route, () =>
    github.octokit.paginate(`GET /repos/{owner}/{repo}/git/matching-refs/heads/${encodeRefPath(clean)}`, {
      owner,
      repo: name,
      per_page: 100,
      request: request(),
    }),
  );
  const head = `refs/heads/${clean}/`;
  return (refs as Array<{ ref: string; object: { sha: string } }>)
    .filter((r) => r.ref.startsWith(head))
    .map((r) => ({ branch: r.ref.slice('refs/heads/'.length), sha: r.object.sha }));
}

/** DELETE /repos/{o}/{r}/git/refs/heads/<branch>: 'deleted', or 'missing' when it was already gone (422). */
export async function deleteBranch(github: GitHubClient, repo: string, branch: string): Promise<'deleted' | 'missing'> {
  const { owner, name } = splitRepo(repo);
  try {
    await call(`DELETE /repos/${repo}/git/refs/heads/${branch}`, () =>
      github.octokit.request(`DELETE /repos/{owner}/{repo}/git/refs/heads/${encodeRefPath(branch)}`, { owner, repo: name, request: request() }),
    );
    return 'deleted';
  } catch (error) {
    if (statusOf(error) === 422) return 'missing'; // "Reference does not exist"
    throw error;
  }
}

// ─── Actions runs, jobs and logs ─────────────────────────────────────────────────────────────

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
  const { owner, name } = splitRepo(repo);
  const runs = await call(`GET /repos/${repo}/actions/runs`, () =>
    github.octokit.paginate(github.octokit.rest.actions.listWorkflowRunsForRepo, { owner, repo: name, head_sha: sha, per_page: 100, request: request() }),
  );
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
  const { owner, name } = splitRepo(repo);
  const jobs = await call(`GET /repos/${repo}/actions/runs/${runId}/jobs`, () =>
    github.octokit.paginate(github.octokit.rest.actions.listJobsForWorkflowRun, { owner, repo: name, run_id: runId, filter: 'latest', per_page: 100, request: request() }),
  );
  return jobs.map((j) => ({ id: j.id, name: j.name, status: j.status, conclusion: j.conclusion ?? null, url: j.html_url ?? null }));
}

/**
 * GET /repos/{o}/{r}/actions/jobs/{id}/logs: GitHub answers 302 to a short-lived URL of the
 * plain-text log, which fetch follows (without our Authorization header: another origin).
 */
export async function jobLog(github: GitHubClient, repo: string, jobId: number): Promise<string> {
  const { owner, name } = splitRepo(repo);
  const { data } = await call(`GET /repos/${repo}/actions/jobs/${jobId}/logs`, () =>
    github.octokit.request('GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs', { owner, repo: name, job_id: jobId, request: request() }),
  );
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return String(data ?? '');
}
