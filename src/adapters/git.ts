// The git adapter: everything roshi does to repositories, through the git CLI (execa), never a
// library, so what runs is exactly what an operator would type. One file per concern under git/:
// running a command (run.ts, errors.ts), repositories and refs, worktrees, commits, push, and
// GitHub remote URLs. Layout: <workspace>/repos/<project> for clones roshi makes itself,
// <workspace>/worktrees/<missionId> per mission (docs/missions.md#worktree-and-branch).
export { GitError, maskCredentials, PushRejectedError } from './git/errors.js';
export {
  git,
  isHalfMadeWorktree,
  isLockContention,
  LOCAL_TIMEOUT_MS,
  NETWORK_TIMEOUT_MS,
  type GitRunOptions,
  type GitRunResult,
} from './git/run.js';
export { ensureRepo, fetchAll, isGitRepo, type EnsureRepoInput } from './git/repos.js';
export { refExists, remoteBranchExists, remoteUrl, revParse } from './git/refs.js';
export {
  prepareWorktree,
  removeWorktree,
  worktreePath,
  type PreparedWorktree,
  type PrepareWorktreeInput,
} from './git/worktrees.js';
export {
  commitLeftovers,
  commitsAhead,
  hasCommitsAhead,
  identityEnv,
  type CommitOptions,
  type CommitResult,
} from './git/commits.js';
export { push, type PushOptions } from './git/push.js';
export { githubHostFromApiUrl, githubRepoFromRemote } from './git/githubRemote.js';
