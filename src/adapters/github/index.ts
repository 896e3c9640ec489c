// The GitHub adapter: the only way roshi talks to GitHub. One octokit client per token
// (transport.ts) stays inside this directory; callers get the client interface and these
// functions. One file per concern: pulls, branches, ci, reviews, issues, text policy, errors.
export { createGitHub } from './client.js';
export type { GitHubOptions } from './transport.js';
export { GitHubError, statusOf } from './errors.js';
export { ESCAPED_MENTIONS, ZWJ, escapeMentions, outgoingText } from './textPolicy.js';
export { EtagCache } from './etagCache.js';
export { parsePullUrl } from './pullUrl.js';
export { mergePull, pullsForHead, type MergeCallResult } from './pulls.js';
export { branchesUnder, deleteBranch, requiredStatusChecks } from './branches.js';
export { jobLog, jobsOfRun, runsForSha, tailLines, type JobSummary, type WorkflowRunSummary } from './ci.js';
export {
  addPlusOne,
  collaboratorPermission,
  getIssue,
  listIssueComments,
  listParticipatingNotifications,
  plusOneLogins,
  postIssueComment,
  type IssueComment,
  type IssueText,
  type NotificationThread,
} from './issues.js';
export type {
  CachedResponse,
  CheckRun,
  CombinedStatus,
  CommitStatus,
  ConditionalCache,
  GitHubClient,
  GitHubRequestStats,
  Listing,
  PullHeadInfo,
  PullRequestInput,
  PullRequestRef,
  PullSummary,
  ReviewComment,
  ReviewThread,
  ReviewThreads,
  WorkflowRun,
} from './types.js';
