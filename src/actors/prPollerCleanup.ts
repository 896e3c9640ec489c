// The pr-poller's branch-cleanup duty: merged `<branchPrefix>/` branches of each registered
// repository, at most hourly or after a merge was seen. docs/github-mentions.md#branch-cleanup
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupMergedBranches } from '../prPoller/cleanup.js';
import type { DutyInput } from './prPollerDutyInput.js';
import { projectOfRepo } from './prPollerRepos.js';

/** Branch cleanup runs at least this often per repository, and after a merge is seen. */
const CLEANUP_EVERY_MS = 60 * 60_000;

export function cleanupDuty({ config, github, logger }: DutyInput) {
  const p = config.prPoller;
  const lastCleanup = new Map<string, number>();
  return async function cleanup(merged: ReadonlySet<string>): Promise<void> {
    if (!config.cleanup.localBranches && !config.cleanup.remoteBranches) return;
    const now = Date.now();
    for (const repo of p.repos) {
      const due = merged.has(repo) || now - (lastCleanup.get(repo) ?? 0) >= CLEANUP_EVERY_MS;
      if (!due) continue;
      lastCleanup.set(repo, now);
      const project = projectOfRepo(config, repo);
      const settings = project ? config.projects[project] : undefined;
      const clone = settings ? settings.path || join(config.workspace, 'repos', project ?? '') : undefined;
      const deleted = await cleanupMergedBranches({
        github,
        repo,
        repoPath: clone && existsSync(clone) ? clone : undefined,
        remote: settings?.pushRemote || settings?.remote || 'origin',
        branchPrefix: config.git.branchPrefix,
        local: config.cleanup.localBranches,
        remoteBranches: config.cleanup.remoteBranches,
        logger,
      });
      if (deleted.length > 0)
        logger.info({ repo, deleted: deleted.map((d) => `${d.where}:${d.branch}`) }, 'deleted merged branches');
    }
  };
}
