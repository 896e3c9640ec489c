// Per-run agent log files: `<dir>/<missionId>-<timestamp>.log`, under a configured directory
// (never a hard-coded path), pruned by age and by count, never the active file(s).
import { readdir, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const LOG_SUFFIX = '.log';

/** `<dir>/<missionId>-<UTC timestamp with ms>.log`; the id is made safe for a file name. */
export function runLogPath(dir: string, missionId: string, now: Date = new Date()): string {
  const safeId = missionId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 100) || 'run';
  // 2026-11-21T05:15:29.123Z → 20261121T051529123Z: sorts by time, no characters to escape.
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return join(dir, `${safeId}-${stamp}${LOG_SUFFIX}`);
}

export interface PruneOptions {
  /** Files last modified longer ago than this are deleted. */
  maxAgeMs?: number;
  /** At most this many log files are kept (the newest). */
  maxCount?: number;
  /** Files never deleted (runs in progress), as paths. */
  active?: readonly string[];
  /** For tests. */
  now?: number;
}

/**
 * Deletes old run logs in `dir` (only `*.log` files directly in it) and returns the deleted
 * paths. A missing directory is not an error. Files that vanish meanwhile are ignored.
 */
export async function pruneRunLogs(dir: string, options: PruneOptions): Promise<string[]> {
  const now = options.now ?? Date.now();
  const active = new Set((options.active ?? []).map((p) => resolve(p)));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: { path: string; mtimeMs: number }[] = [];
  for (const name of names) {
    if (!name.endsWith(LOG_SUFFIX)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (info.isFile()) files.push({ path, mtimeMs: info.mtimeMs });
    } catch {
      // vanished
    }
  }
  // Newest first; ties broken by name (the timestamp in it), newest first.
  files.sort((a, b) => b.mtimeMs - a.mtimeMs || b.path.localeCompare(a.path));

  const deleted: string[] = [];
  let kept = 0;
  for (const file of files) {
    const isActive = active.has(resolve(file.path));
    const tooOld = options.maxAgeMs !== undefined && now - file.mtimeMs > options.maxAgeMs;
    const tooMany = options.maxCount !== undefined && kept >= options.maxCount;
    if (isActive || (!tooOld && !tooMany)) {
      kept += 1;
      continue;
    }
    try {
      await unlink(file.path);
      deleted.push(file.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return deleted;
}
