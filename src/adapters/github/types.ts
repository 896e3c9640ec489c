// The shapes the GitHub adapter speaks in: what its calls return (listings, pull requests,
// checks, statuses, workflow runs, review threads) and the client's interface. No octokit
// here: callers see these shapes and functions, never the HTTP client under them.

/** A cached answer to a GET, replayed when GitHub answers 304 Not Modified. */
export interface CachedResponse {
  etag: string;
  data: unknown;
  /** The Link header (pagination) of the cached answer. */
  link?: string;
}

/** Where conditional GETs keep their ETags; keyed by the request URL. */
export interface ConditionalCache {
  get(url: string): CachedResponse | undefined;
  set(url: string, response: CachedResponse): void;
}

/** Requests this client made, for status and the request benchmark. */
export interface GitHubRequestStats {
  /** Every HTTP request sent through octokit (REST and GraphQL, octokit's own retries included). */
  requests: number;
  /** GETs answered 304 from the ETag cache: free against the rate limit. */
  notModified: number;
  graphql: number;
  errors: number;
}

/** A pull request as roshi reads it (the poller, auto-merge, branch cleanup). */
export interface PullSummary {
  repo: string;
  number: number;
  url: string;
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
  headRef: string;
  headSha: string;
  /** Owner of the head repository (differs from the base owner for a fork). */
  headOwner: string;
  /** head.repo.full_name, owner/name ('' when the head repository was deleted): decides ownership with the branch. */
  headRepo: string;
  baseRef: string;
  author: string;
  updatedAt: string;
}

export interface Listing<T> {
  items: T[];
  /** total_count as GitHub reported it, when it did. */
  total: number;
  /** More entries exist than were fetched (pages beyond maxPages). */
  truncated: boolean;
  /** Every page was a 304 served from the cache. */
  notModified: boolean;
}

export interface CheckRun {
  id: number;
  name: string;
  /** queued, in_progress, completed, waiting, requested, pending */
  status: string;
  /** Set once completed: success, failure, neutral, cancelled, skipped, timed_out, action_required, stale. */
  conclusion: string | null;
  url?: string;
  /** The app that reported it; `github-actions` check runs are Actions jobs (same id). */
  app?: string;
  /** The commit it ran on (GitHub's head_sha). */
  headSha?: string;
  /** Its check suite: an Actions workflow run's check_suite_id, so superseded runs' jobs can be dropped. */
  checkSuiteId?: number;
}

export interface CommitStatus {
  context: string;
  /** error, failure, pending, success */
  state: string;
  url?: string;
  description?: string;
}

export interface CombinedStatus {
  state: string;
  statuses: CommitStatus[];
  total: number;
  truncated: boolean;
  notModified: boolean;
}

export interface WorkflowRun {
  id: number;
  name: string;
  /** requested, queued, in_progress, completed, waiting, pending */
  status: string;
  conclusion: string | null;
  headSha: string;
  url?: string;
  /** The workflow it is a run of: runs of one workflow supersede each other (newest counts). */
  workflowId?: number;
  runNumber?: number;
  runAttempt?: number;
  checkSuiteId?: number;
  /** The workflow file (.github/workflows/ci.yml): its name when the workflow has none. */
  path?: string;
  /** The event that ran it (push, pull_request, …). */
  event?: string;
}

export interface ReviewComment {
  id: number;
  body: string;
  author: string;
  path?: string;
  line?: number;
  url?: string;
  createdAt?: string;
}

export interface ReviewThread {
  id: string;
  isResolved: boolean;
  isOutdated: boolean;
  /** Comments in order; `id` is the REST id (GraphQL fullDatabaseId: past 2^31) when GitHub gave one. */
  comments: ReviewComment[];
}

export interface ReviewThreads {
  threads: ReviewThread[];
  /** More threads (or comments in a thread) than one query returned. */
  truncated: boolean;
}

export interface PullRequestInput {
  /** 'owner/name' of the repository the PR is opened on (the upstream in a fork setup). */
  repo: string;
  /** The head branch name. */
  head: string;
  /** Owner of the head branch when it lives in a fork; default the repository's owner. */
  headOwner?: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

export interface PullRequestRef {
  url: string;
  number: number;
  /** False when an open PR for the head already existed (or appeared concurrently). */
  created: boolean;
}

/** What pullRequestHead answers. */
export interface PullHeadInfo {
  ref: string;
  sha: string;
  state: string;
  /** head.repo.full_name; '' when the head repository was deleted. */
  headRepo: string;
}

export interface GitHubClient {
  /** The open PR for `headOwner:head`, created only when there is none. */
  ensurePullRequest(input: PullRequestInput): Promise<PullRequestRef>;
  /** The open PR for a head, if any. */
  findOpenPullRequest(
    input: Pick<PullRequestInput, 'repo' | 'head' | 'headOwner'>,
  ): Promise<Omit<PullRequestRef, 'created'> | undefined>;
  /** A pull request's head branch, head repository ('' when deleted) and state, for commands on a PR (/rebase, /ci_check, /review). */
  pullRequestHead(repo: string, number: number): Promise<PullHeadInfo>;
  /** Open pull requests of a repository, newest first (conditional). */
  listOpenPullRequests(repo: string, options?: { maxPages?: number }): Promise<Listing<PullSummary>>;
  /** One pull request, open or not (conditional). */
  getPullRequest(repo: string, number: number): Promise<PullSummary>;
  /** Check runs of a commit, latest per name (conditional, paginated). */
  listCheckRuns(repo: string, sha: string, options?: { maxPages?: number }): Promise<Listing<CheckRun>>;
  /** The combined commit status of a commit (conditional, first `maxPages` pages of statuses). */
  combinedStatus(repo: string, sha: string, options?: { maxPages?: number }): Promise<CombinedStatus>;
  /** Workflow runs of a head commit (conditional). */
  listWorkflowRuns(repo: string, sha: string, options?: { maxPages?: number }): Promise<Listing<WorkflowRun>>;
  /** The last `lines` lines of an Actions job's log (follows GitHub's redirect to the log); timestamps removed. */
  jobLogTail(repo: string, jobId: number, lines: number): Promise<string>;
  /** Review threads of a pull request (GraphQL). */
  reviewThreads(repo: string, number: number): Promise<ReviewThreads>;
  /** Review (inline) comments of a pull request, oldest first (conditional). */
  listReviewComments(repo: string, number: number, options?: { maxPages?: number }): Promise<Listing<ReviewComment>>;
  /** The login the token belongs to (GET /user), looked up once per client. */
  viewerLogin(): Promise<string>;
  /** Requests made so far. */
  readonly stats: GitHubRequestStats;
  readonly apiUrl: string;
}
