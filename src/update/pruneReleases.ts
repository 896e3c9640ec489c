// Old releases go once they can no longer be needed: the live one, the one a rollback would
// return to, and the newest few stay (a runner deferred on an older build still runs from it).
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './command.js';
import { releasesDir } from './releaseLink.js';

export const RELEASES_KEPT = 3;

/** Release ids start with their creation time, so sorting by name sorts by age. */
export async function pruneReleases(
  stateDir: string,
  source: string,
  keep: string[],
  env: Record<string, string>,
): Promise<string[]> {
  const dir = releasesDir(stateDir);
  const kept = new Set(keep.map(real));
  const releases = readdirSync(dir)
    .filter((name) => statSync(join(dir, name), { throwIfNoEntry: false })?.isDirectory())
    .sort();
  const newest = new Set(releases.slice(-RELEASES_KEPT));
  const removed: string[] = [];
  for (const name of releases) {
    const path = join(dir, name);
    if (newest.has(name) || kept.has(real(path))) continue;
    const byGit = await runCommand('git', ['worktree', 'remove', '--force', path], source, 60_000, env);
    if (!byGit.ok) rmSync(path, { recursive: true, force: true });
    removed.push(name);
  }
  await runCommand('git', ['worktree', 'prune'], source, 60_000, env);
  return removed;
}

/** The path with links resolved; a path that no longer exists stands for itself. */
function real(path: string): string {
  return existsSync(path) ? realpathSync(path) : path;
}
