// The `git pull` of an update, done beside the live install: fetch in roshi's own checkout, then
// check the fast-forward of its branch out as a new git worktree under <stateDir>/releases/<id>.
// Neither the checkout's working tree nor the live release is touched.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { runCommand, type CommandResult } from './command.js';
import { releasesDir } from './releaseLink.js';

export interface CheckoutOptions {
  /** Any directory of roshi's checkout or of one of its release worktrees. */
  cwd: string;
  /** The live package directory, to tell whether there is anything new. */
  live: string;
  stateDir: string;
  force: boolean;
  timeoutMs: number;
  env: Record<string, string>;
}

export type CheckoutOutcome =
  | { kind: 'failed'; error: string; durationMs: number }
  | { kind: 'upToDate'; durationMs: number }
  | {
      kind: 'ready';
      source: string;
      dir: string;
      id: string;
      commit: string;
      live?: string;
      detail: string;
      durationMs: number;
    };

export async function checkOutRelease(options: CheckoutOptions): Promise<CheckoutOutcome> {
  const started = Date.now();
  const git = (cwd: string, ...args: string[]) => runCommand('git', args, cwd, options.timeoutMs, options.env);
  const failed = (result: CommandResult): CheckoutOutcome => ({
    kind: 'failed',
    error: result.error,
    durationMs: Date.now() - started,
  });

  const common = await git(options.cwd, 'rev-parse', '--git-common-dir');
  if (!common.ok) return failed(common);
  const commonDir = resolve(options.cwd, common.output);
  // A non-bare clone keeps its repository in <checkout>/.git; release worktrees share it.
  const source = basename(commonDir) === '.git' ? dirname(commonDir) : commonDir;
  const fetch = await git(source, 'fetch', '--quiet');
  if (!fetch.ok) return failed(fetch);
  const base = await git(source, 'rev-parse', 'HEAD');
  if (!base.ok) return failed(base);
  const upstream = await git(source, 'rev-parse', '@{upstream}');
  if (!upstream.ok) return failed(upstream);
  const baseSha = base.output.trim();
  const target = upstream.output.trim();
  // Local commits ahead of the upstream stay; otherwise the release is the upstream's head.
  const targetIsOld = (await git(source, 'merge-base', '--is-ancestor', target, baseSha)).ok;
  const commit = targetIsOld ? baseSha : target;
  const liveHead = await git(options.live, 'rev-parse', 'HEAD');
  const live = liveHead.ok ? liveHead.output.trim() : undefined;
  if (live === commit && !options.force) return { kind: 'upToDate', durationMs: Date.now() - started };

  const id = `${stamp()}-${commit.slice(0, 7)}-${randomBytes(2).toString('hex')}`;
  const dir = join(releasesDir(options.stateDir), id);
  mkdirSync(releasesDir(options.stateDir), { recursive: true });
  const add = await git(source, 'worktree', 'add', '--detach', dir, baseSha);
  if (!add.ok) return failed(add);
  if (!targetIsOld) {
    // The same rule as `git pull --ff-only`, and git's own words when it cannot fast-forward.
    const merge = await git(dir, 'merge', '--ff-only', target);
    if (!merge.ok) {
      await removeWorktree(source, dir, options.env);
      return failed(merge);
    }
  }
  const subject = await git(dir, 'log', '-1', '--format=%h %s');
  const detail = `release ${id}: ${subject.ok ? subject.output : commit.slice(0, 7)}`;
  return {
    kind: 'ready',
    source,
    dir,
    id,
    commit,
    ...(live ? { live } : {}),
    detail,
    durationMs: Date.now() - started,
  };
}

/** Removes a release worktree and forgets it in the checkout's repository. */
export async function removeWorktree(source: string, dir: string, env: Record<string, string>): Promise<boolean> {
  const removed = await runCommand('git', ['worktree', 'remove', '--force', dir], source, 60_000, env);
  return removed.ok;
}

function stamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
}
