// Installing and building a release in its own directory. Dependencies: `npm ci` when
// package-lock.json differs from the live release's, else the live release's node_modules copied
// as hard links (instant, and npm never rewrites files in place, so neither copy disturbs the other).
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult } from './command.js';

export interface DependencyPlan {
  /** npm ci must run: the lock file changed, or nothing can be reused. */
  install: boolean;
  /** node_modules to copy as hard links when the lock file did not change. */
  reuseFrom?: string;
}

export async function planDependencies(
  dir: string,
  live: { root: string; commit?: string },
  env: Record<string, string>,
): Promise<DependencyPlan> {
  if (!live.commit) return { install: true };
  const changed = await runCommand('git', ['diff', '--name-only', live.commit, 'HEAD'], dir, 30_000, env);
  if (!changed.ok || /(^|\n)package-lock\.json(\n|$)/.test(changed.output)) return { install: true };
  const modules = join(live.root, 'node_modules');
  return existsSync(modules) ? { install: false, reuseFrom: realpathSync(modules) } : { install: false };
}

/** Hard-link copy of node_modules; false when it could not be made (another file system, no cp). */
export async function reuseDependencies(from: string, dir: string, env: Record<string, string>): Promise<boolean> {
  const copy = await runCommand('cp', ['-al', from, join(dir, 'node_modules')], dir, 300_000, env);
  return copy.ok;
}

export function npmCi(dir: string, timeoutMs: number, env: Record<string, string>): Promise<CommandResult> {
  return runCommand('npm', ['ci', '--no-audit', '--no-fund'], dir, timeoutMs, env);
}

export function npmBuild(dir: string, timeoutMs: number, env: Record<string, string>): Promise<CommandResult> {
  return runCommand('npm', ['run', 'build'], dir, timeoutMs, env);
}
