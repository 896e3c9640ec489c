// The one way roshi runs git: the CLI through execa, non-interactive (GIT_TERMINAL_PROMPT=0, ssh
// BatchMode unless the operator set GIT_SSH_COMMAND/GIT_SSH), stdin closed, a timeout, and a
// brief retry when another worktree holds a lock or is half made. Every failure is a GitError.
// See docs/missions.md#setting-up-a-project.
import { execa } from 'execa';
import { sleep } from '../../time/sleep.js';
import { GitError, maskCredentials, PushRejectedError } from './errors.js';

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
  // ref lock) for a moment, or its `worktree add` may be half way, and git gives up at once.
  // Such a step is retried, not failed; every command roshi runs is safe to repeat (a push of
  // the same commit is a no-op).
  let result = await runGitOnce(args, options, timeout);
  for (
    let attempt = 1;
    attempt <= LOCK_RETRIES && result.failed && !result.timedOut && isMomentary(String(result.stderr ?? ''));
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

const HALF_MADE_WORKTREE = [
  /failed to read \S*worktrees\/[^/\s]+\/commondir/,
  /bad object worktrees\/[^/\s]+\/HEAD/,
  /could not open '[^']*worktrees\/[^/']+\/locked' for writing/,
];

/**
 * git's words when a `git worktree add` and another runner's git met half way in
 * .git/worktrees/<id>/: the other read an empty commondir, or a HEAD still the all-zero
 * placeholder (fetch's connectivity check then reports objects missing); or the other's
 * `worktree prune` took the new admin dir for stale before add could lock it. With 4 runners a
 * host on one clone, about one set-up in 200 failed so (docs/performance.md#throughput-over-two-hosts).
 */
export function isHalfMadeWorktree(stderr: string): boolean {
  return HALF_MADE_WORKTREE.some((words) => words.test(stderr));
}

/** Another process's git step in the shared .git, over in a moment: worth a brief wait and a retry. */
function isMomentary(stderr: string): boolean {
  return isLockContention(stderr) || isHalfMadeWorktree(stderr);
}

function isRejection(stderr: string): boolean {
  return /\[rejected\]|\(non-fast-forward\)|\(fetch first\)|\(stale info\)|failed to push some refs/.test(stderr);
}
