// The `current` link: <stateDir>/current points at the release the tree runs (a directory under
// <stateDir>/releases/, or the original checkout). Children are started through it and drift is
// judged against the build behind it, so switching the link is what switches versions
// (docs/operations.md#updating). Without the link, the package the supervisor runs from is live.
import { lstatSync, readlinkSync, realpathSync, renameSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { readBuildId } from './buildId.js';

export function currentLink(stateDir: string): string {
  return join(stateDir, 'current');
}

export function releasesDir(stateDir: string): string {
  return join(stateDir, 'releases');
}

/** Where the link points now, or undefined when there is no link. */
export function linkTarget(stateDir: string): string | undefined {
  try {
    return readlinkSync(currentLink(stateDir));
  } catch {
    return undefined;
  }
}

/** The live package directory: the link itself (followed on every use), else `fallback` (this process's package). */
export function liveRoot(stateDir: string, fallback: string = packageRoot()): string {
  const link = currentLink(stateDir);
  try {
    if (lstatSync(link).isSymbolicLink()) return link;
  } catch {
    // no link yet: the package this process runs from is the live one
  }
  return fallback;
}

/**
 * The entry every actor is started with. Node resolves the link when the process starts, so a
 * child keeps the release it started on even if the link moves while it runs.
 */
export function liveMainScript(stateDir: string): string {
  return join(liveRoot(stateDir), 'dist', 'main.js');
}

/** Points the link at `target` in one rename: a reader sees the old target or the new, never none. */
export function switchLink(stateDir: string, target: string): void {
  const link = currentLink(stateDir);
  const tmp = `${link}.tmp-${process.pid}-${Date.now()}`;
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

/** The build id behind the link now, re-read only when the link's target or its build.json changes. */
export function liveBuildIdReader(stateDir: string): () => string | undefined {
  let key = '';
  let buildId: string | undefined;
  return () => {
    const file = join(liveRoot(stateDir), 'dist', 'build.json');
    try {
      const real = realpathSync(file);
      const next = `${real}@${statSync(real).mtimeMs}`;
      if (next !== key) {
        key = next;
        buildId = readBuildId(real);
      }
    } catch {
      key = '';
      buildId = undefined;
    }
    return buildId;
  };
}
