// The git adapter: everything roshi does to repositories, through the git CLI (execa), never a
// library, so what runs is exactly what an operator would type.
//
// - Every command runs with GIT_TERMINAL_PROMPT=0 (and ssh in BatchMode unless the operator set
//   GIT_SSH_COMMAND/GIT_SSH), stdin closed and a timeout: a daemon must fail, not wait for a
//   password prompt nobody will answer.
// - Every failure is a GitError naming the command (credentials in URLs masked) and the tail of
//   its stderr.
// - Commits take author and committer from the caller (config git.authorName/authorEmail), set
//   through the environment, which wins over any user.name/user.email in the machine's config.
//   They are never signed (commit.gpgSign=false: nobody can answer a pinentry) and skip hooks
//   (--no-verify: the quality and lint gates are roshi's checks, run visibly afterwards).
//
// Layout under the workspace: repos/<project> for clones roshi makes itself, and
// worktrees/<missionId> for one worktree per mission.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { RoshiError } from '../errors.js';
import { sleep } from '../time/sleep.js';

/** A git command that failed (or could not start, or timed out). */
export class GitError extends RoshiError {
  override readonly code: string = 'git';
  constructor(
    message: string,
    /** The command as run, e.g. `git push --set-upstream origin …`, with URL credentials masked. */
    readonly command: string,
    /** The last lines of stderr (stdout when stderr was empty). */
    readonly stderrTail: string,
    /** git's exit code; undefined when it did not start or was killed. */
    readonly gitExitCode?: number,
  ) {
    super(message);
  }
}

/** A push the remote refused because the branch moved (non-fast-forward, stale lease). */
export class PushRejectedError extends GitError {
  override readonly code = 'push_rejected';
}

/** Default limits: local commands are quick; fetch, clone and push talk to the network. */
export const LOCAL_TIMEOUT_MS = 2 * 60_000;
export const NETWORK_TIMEOUT_MS = 10 * 60_000;

export interface GitRunOptions {
  cwd: string;
  /** Written to git's stdin (commit messages). */
  input?: string;
  timeoutMs?: number;
  /** Extra environment (author identity). */
  env?: Record<string, string>;
  /** Exit codes that are answers rather than failures (e.g. 1 for `diff --quiet`). */
  okExitCodes?: readonly number[];
}

export interface GitRunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Mask user:password@ in URLs so a token in a remote URL never reaches an error or a log. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

function tail(text: string, lines = 15, chars = 2_000): string {
  const trimmed = text.trimEnd();
  const last = trimmed.split('\n').slice(-lines).join('\n');
  return last.length > chars ? `…${last.slice(-chars)}` : last;
}

function gitEnv(extra: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never', ...extra };
  if (process.env.GIT_SSH_COMMAND === undefined && process.env.GIT_SSH === undefined) {
    env.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  }
  return env;
}

/** Runs `git <args>`; throws a GitError unless it exits 0 (or with one of okExitCodes). */
export async function git(args: readonly string[], options: GitRunOptions): Promise<GitRunResult> {
  const command = maskCredentials(['git', ...args].join(' '));
  const timeout = options.timeoutMs ?? LOCAL_TIMEOUT_MS;
  // Runners share a project's .git: another worktree's command may hold .git/config.lock (or a
  // ref lock) for a moment, and git gives up at once. Such a step is retried, not failed; every
  // command roshi runs is safe to repeat (a push of the same commit is a no-op).
  let result = await runGitOnce(args, options, timeout);
  for (
    let attempt = 1;
    attempt <= LOCK_RETRIES && result.failed && !result.timedOut && isLockContention(String(result.stderr ?? ''));
    attempt++
  ) {
    await sleep(LOCK_RETRY_MS * attempt);
    result = await runGitOnce(args, options, timeout);
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const ok = options.okExitCodes ?? [0];
  if (!result.failed || (result.exitCode !== undefined && ok.includes(result.exitCode) && !result.timedOut)) {
    return { stdout, stderr, exitCode: result.exitCode ?? 0 };
  }
  const detail = maskCredentials(tail(stderr || stdout));
  let why: string;
  if (result.timedOut) why = `timed out after ${Math.round(timeout / 1000)} s`;
  else if (result.signal) why = `killed by ${result.signal}`;
  else if (result.exitCode === undefined) why = result.originalMessage || result.shortMessage || 'did not start';
  else why = `exit ${result.exitCode}`;
  const message = `${command} failed (${why}) in ${options.cwd}${detail ? `: ${detail}` : ''}`;
  const Kind = args[0] === 'push' && isRejection(stderr) ? PushRejectedError : GitError;
  throw new Kind(maskCredentials(message), command, detail, result.timedOut ? undefined : result.exitCode);
}

const LOCK_RETRIES = 5;
const LOCK_RETRY_MS = 50;

function runGitOnce(args: readonly string[], options: GitRunOptions, timeout: number) {
  return execa('git', args, {
    cwd: options.cwd,
    env: gitEnv(options.env),
    reject: false,
    timeout,
    forceKillAfterDelay: 5_000,
    stripFinalNewline: true,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
}

/** git's words when another process holds a lock file it needs (config, index, a ref). */
export function isLockContention(stderr: string): boolean {
  return /could not lock config file|Unable to create '[^']*\.lock': File exists|cannot lock ref/i.test(stderr);
}

function isRejection(stderr: string): boolean {
  return /\[rejected\]|\(non-fast-forward\)|\(fetch first\)|\(stale info\)|failed to push some refs/.test(stderr);
}

// ─── repositories ────────────────────────────────────────────────────────────────────────────

export interface EnsureRepoInput {
  /** Project name; the clone goes to <workspace>/repos/<name>. */
  name: string;
  /** An existing checkout to use as is. Wins over url. */
  path?: string;
  /** Clone URL when there is no path. */
  url?: string;
  workspace: string;
  /** Name of the remote a fresh clone gets (default origin; '' counts as unset). */
  remote?: string;
  /** Fetch every remote when the clone already exists (default true). */
  fetch?: boolean;
}

/** True when `dir` is inside a git repository (work tree or bare). */
export async function isGitRepo(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return false;
  const r = await git(['rev-parse', '--git-dir'], { cwd: dir, okExitCodes: [0, 128] }).catch(() => undefined);
  return r?.exitCode === 0;
}

/**
 * The repository path of a project: `path` as is (must be a git repository), else a clone of
 * `url` made once into <workspace>/repos/<name> (fetched on later calls). A clone goes to a
 * temporary sibling first and is renamed into place, so a crash cannot leave a half clone.
 */
export async function ensureRepo(input: EnsureRepoInput): Promise<string> {
  if (input.path) {
    const path = resolve(input.path);
    if (!existsSync(path)) {
      throw new GitError(`project ${input.name}: path ${path} does not exist`, 'git rev-parse --git-dir', '');
    }
    if (!(await isGitRepo(path))) {
      throw new GitError(
        `project ${input.name}: path ${path} is not a git repository (set projects.${input.name}.path to a clone, or leave it empty and set url)`,
        'git rev-parse --git-dir',
        '',
      );
    }
    return path;
  }
  if (!input.url) {
    throw new GitError(`project ${input.name}: neither path nor url is set, nothing to work on`, 'git clone', '');
  }
  if (!/^[A-Za-z0-9._-]+$/.test(input.name) || input.name === '.' || input.name === '..') {
    throw new GitError(
      `project name ${JSON.stringify(input.name)} cannot be used as a directory name`,
      'git clone',
      '',
    );
  }
  const reposDir = join(resolve(input.workspace), 'repos');
  const target = join(reposDir, input.name);
  if (existsSync(target)) {
    if (!(await isGitRepo(target))) {
      throw new GitError(
        `project ${input.name}: ${target} exists but is not a git repository; move it away and roshi will clone again`,
        'git rev-parse --git-dir',
        '',
      );
    }
    if (input.fetch ?? true) await fetchAll(target);
    return target;
  }
  mkdirSync(reposDir, { recursive: true });
  const tmp = join(reposDir, `.${input.name}.clone-${process.pid}-${Date.now()}`);
  try {
    await git(['clone', '--origin', input.remote || 'origin', '--', input.url, tmp], {
      cwd: reposDir,
      timeoutMs: NETWORK_TIMEOUT_MS,
    });
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

/** `git fetch --all --prune`: every remote, so fork setups see both the upstream and the fork. */
export async function fetchAll(repo: string): Promise<void> {
  await git(['fetch', '--all', '--prune'], { cwd: repo, timeoutMs: NETWORK_TIMEOUT_MS });
}

/** Whether a ref (e.g. `refs/remotes/origin/main`) resolves to a commit. */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  const r = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, okExitCodes: [0, 1] });
  return r.exitCode === 0;
}

export async function remoteBranchExists(cwd: string, remote: string, branch: string): Promise<boolean> {
  return refExists(cwd, `refs/remotes/${remote}/${branch}`);
}

/**
 * A remote's URL: `git remote get-url` (url.*.insteadOf applied), or with `raw` the value as
 * configured in remote.<name>.url. Undefined when the remote does not exist.
 */
export async function remoteUrl(
  cwd: string,
  remote: string,
  options: { raw?: boolean } = {},
): Promise<string | undefined> {
  const args = options.raw ? ['config', '--get-all', `remote.${remote}.url`] : ['remote', 'get-url', remote];
  const r = await git(args, { cwd, okExitCodes: [0, 1, 2, 128] });
  const first = r.stdout.split('\n')[0]?.trim() ?? '';
  return r.exitCode === 0 && first !== '' ? first : undefined;
}

export async function revParse(cwd: string, rev: string): Promise<string> {
  return (await git(['rev-parse', '--verify', `${rev}^{commit}`], { cwd })).stdout.trim();
}

// ─── worktrees ───────────────────────────────────────────────────────────────────────────────

export interface PrepareWorktreeInput {
  repo: string;
  workspace: string;
  missionId: string;
  branch: string;
  baseBranch: string;
  /** The remote holding the base branch. */
  remote: string;
  /**
   * Where the mission's branch lives (config pushRemote: a fork). Default `remote`. An existing
   * `<pushRemote>/<branch>` (a retried mission, a /rebase of our own PR) is checked out from there.
   */
  pushRemote?: string;
}

export interface PreparedWorktree {
  /** <workspace>/worktrees/<missionId> */
  path: string;
  branch: string;
  /** The ref the branch starts from: `<pushRemote>/<branch>` or `<remote>/<baseBranch>`. */
  startPoint: string;
  /** True when the branch already existed on the remote and was checked out from there. */
  resumed: boolean;
  /** The commit the worktree starts at. */
  head: string;
}

const SAFE_ID = /^[A-Za-z0-9._-]+$/;

export function worktreePath(workspace: string, missionId: string): string {
  if (!SAFE_ID.test(missionId) || missionId === '.' || missionId === '..') {
    throw new GitError(
      `mission id ${JSON.stringify(missionId)} cannot be used as a worktree directory name`,
      'git worktree add',
      '',
    );
  }
  return join(resolve(workspace), 'worktrees', missionId);
}

/**
 * A fresh worktree for a mission: fetch every remote, remove a leftover worktree of the same
 * mission (a crash), then check out `branch` from `<pushRemote>/<branch>` when it exists, else
 * create it from the freshly fetched `<remote>/<baseBranch>`. The local branch is reset to that
 * start point (`-B`), so a local branch left by a crashed attempt cannot win over the remote.
 */
export async function prepareWorktree(input: PrepareWorktreeInput): Promise<PreparedWorktree> {
  const { repo, branch, baseBranch, remote } = input;
  const pushRemote = input.pushRemote || remote; // '' (unset in config) means the base remote
  const path = worktreePath(input.workspace, input.missionId);
  await fetchAll(repo);
  await removeWorktree(repo, path);

  const baseRef = `refs/remotes/${remote}/${baseBranch}`;
  const branchRef = `refs/remotes/${pushRemote}/${branch}`;
  const resumed = await refExists(repo, branchRef);
  if (!resumed && !(await refExists(repo, baseRef))) {
    throw new GitError(
      `base branch ${remote}/${baseBranch} not found after fetching ${repo} (check projects.*.baseBranch and remote)`,
      `git rev-parse --verify ${baseRef}`,
      '',
    );
  }
  const startPoint = resumed ? `${pushRemote}/${branch}` : `${remote}/${baseBranch}`;
  mkdirSync(join(resolve(input.workspace), 'worktrees'), { recursive: true });
  // --track only for our own remote branch, so a new branch never has the base as upstream
  // (a bare `git push` there would go to the base branch).
  try {
    await git(
      ['worktree', 'add', resumed ? '--track' : '--no-track', '-B', branch, path, resumed ? branchRef : baseRef],
      { cwd: repo },
    );
  } catch (error) {
    const busy =
      error instanceof GitError ? /already (?:checked out|used by worktree) at '([^']+)'/.exec(error.stderrTail) : null;
    if (busy && error instanceof GitError) {
      // Another mission's worktree holds the branch: maybe running right now on another runner,
      // so it is not ours to remove. Its owner removes it when done.
      throw new GitError(
        `branch ${branch} is checked out in another worktree (${busy[1]}): another mission on the same branch is running or was not cleaned up`,
        error.command,
        error.stderrTail,
        error.gitExitCode,
      );
    }
    throw error;
  }
  const head = await revParse(path, 'HEAD');
  return { path, branch, startPoint, resumed, head };
}

/** Removes a mission's worktree (forced: it may hold uncommitted leftovers) and prunes. Idempotent. */
export async function removeWorktree(repo: string, worktree: string): Promise<void> {
  if (existsSync(worktree)) {
    await git(['worktree', 'remove', '--force', '--force', worktree], { cwd: repo, okExitCodes: [0, 128] }).catch(
      () => undefined,
    );
    if (existsSync(worktree) && statSync(worktree).isDirectory()) rmSync(worktree, { recursive: true, force: true });
  }
  await git(['worktree', 'prune'], { cwd: repo });
}

// ─── commits and pushes ──────────────────────────────────────────────────────────────────────

export interface CommitOptions {
  message: string;
  authorName: string;
  authorEmail: string;
}

export interface CommitResult {
  committed: boolean;
  /** HEAD after the call (the new commit, or the unchanged HEAD). */
  sha: string;
}

/** The author and committer identity, from config: the environment beats every git config file. */
export function identityEnv(name: string, email: string): Record<string, string> {
  return { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email };
}

/** `git add -A`, and a commit only when something is staged. */
export async function commitLeftovers(worktree: string, options: CommitOptions): Promise<CommitResult> {
  if (!options.authorName.trim() || !options.authorEmail.trim()) {
    throw new GitError('commit needs git.authorName and git.authorEmail', 'git commit', '');
  }
  await git(['add', '-A'], { cwd: worktree });
  const staged = await git(['diff', '--cached', '--quiet'], { cwd: worktree, okExitCodes: [0, 1] });
  if (staged.exitCode === 0) {
    return { committed: false, sha: await revParse(worktree, 'HEAD') };
  }
  await git(['-c', 'commit.gpgSign=false', 'commit', '--no-verify', '--quiet', '--file=-'], {
    cwd: worktree,
    input: options.message.endsWith('\n') ? options.message : `${options.message}\n`,
    env: identityEnv(options.authorName, options.authorEmail),
  });
  return { committed: true, sha: await revParse(worktree, 'HEAD') };
}

export interface PushOptions {
  remote: string;
  branch: string;
  /** Only for /rebase of our own branch: replace the remote branch if it is still what we fetched. */
  force?: 'with-lease';
}

/**
 * Pushes HEAD to `<remote>/<branch>` and sets it as upstream. A non-fast-forward is a
 * PushRejectedError: roshi never overwrites a branch someone else moved, unless asked to with
 * a lease (then only if the remote still has the commit we fetched).
 */
export async function push(worktree: string, options: PushOptions): Promise<{ sha: string }> {
  const args = ['push', '--porcelain', '--set-upstream'];
  if (options.force === 'with-lease') args.push(`--force-with-lease=refs/heads/${options.branch}`);
  args.push(options.remote, `HEAD:refs/heads/${options.branch}`);
  await git(args, { cwd: worktree, timeoutMs: NETWORK_TIMEOUT_MS });
  // `HEAD:<ref>` does not set the upstream of a detached HEAD; set it for the branch explicitly.
  await git(['branch', '--set-upstream-to', `${options.remote}/${options.branch}`], {
    cwd: worktree,
    okExitCodes: [0, 128],
  });
  return { sha: await revParse(worktree, 'HEAD') };
}

/** Commits in `head` (default HEAD) that `base` (a ref such as origin/main) does not have. */
export async function commitsAhead(cwd: string, base: string, head = 'HEAD'): Promise<number> {
  const r = await git(['rev-list', '--count', `${base}..${head}`], { cwd });
  return Number.parseInt(r.stdout.trim(), 10) || 0;
}

export async function hasCommitsAhead(cwd: string, base: string, head = 'HEAD'): Promise<boolean> {
  return (await commitsAhead(cwd, base, head)) > 0;
}

// ─── GitHub remotes ──────────────────────────────────────────────────────────────────────────

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The web host of a GitHub API URL: api.github.com → github.com, https://ghe.example.com/api/v3
 * → ghe.example.com, api.acme.ghe.com → acme.ghe.com. Undefined for an unparsable URL.
 */
export function githubHostFromApiUrl(apiUrl: string): string | undefined {
  try {
    const host = new URL(apiUrl).hostname.toLowerCase();
    if (host === 'api.github.com') return 'github.com';
    if (host.startsWith('api.') && host.endsWith('.ghe.com')) return host.slice(4);
    return host;
  } catch {
    return undefined;
  }
}

/**
 * 'owner/name' of a GitHub remote URL: https://github.com/o/r(.git), git@github.com:o/r.git,
 * ssh://git@github.com[:port]/o/r.git. github.com is always accepted; `host` (from the config's
 * github.apiUrl, see githubHostFromApiUrl) adds a GitHub Enterprise host. Undefined otherwise.
 */
export function githubRepoFromRemote(url: string, host?: string): string | undefined {
  const hosts = new Set(['github.com', 'www.github.com']);
  if (host) hosts.add(host.toLowerCase());
  const text = url.trim();
  let h: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git+ssh:', 'ssh+git:', 'git:'].includes(parsed.protocol)) return undefined;
    h = parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp) {
    h = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    return undefined;
  }
  if (!hosts.has(h.toLowerCase())) return undefined;
  const parts = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/');
  if (parts.length !== 2) return undefined;
  const [owner, name] = parts as [string, string];
  if (!OWNER.test(owner) || !NAME.test(name) || name === '.' || name === '..') return undefined;
  return `${owner}/${name}`;
}
