// The pr-poller's auto-merge duty: each followed PR's decision (decideAutoMerge), the green
// time kept on its record, and the merge after a fresh re-check. docs/github-mentions.md#auto-merge
import { decideAutoMerge, mergePullRequest } from '../prPoller/autoMerge.js';
import type { DutyInput } from './prPollerDutyInput.js';
import { configuredRepoOf } from './prPollerRepos.js';

export function autoMergeDuty({ config, github, poller, notify, logger }: DutyInput) {
  const p = config.prPoller;
  return async function autoMerge(): Promise<void> {
    if (!config.autoMerge.enabled) return;
    const now = Date.now();
    for (const pr of poller.trackedPrs()) {
      const decision = decideAutoMerge(
        { ...pr, ...(pr.ciTruncated ? { truncated: true } : {}) },
        { enabled: true, graceMinutes: config.autoMerge.graceMinutes },
        now,
      );
      if (decision.action === 'none') continue;
      if (decision.action !== 'merge') {
        await poller.update(pr.repo, pr.number, (current) => withGreenSince(current, decision.greenSince));
        continue;
      }
      const result = await mergePullRequest(github, pr, {
        method: config.autoMerge.method,
        // The repository the configuration says this PR's project lives in — never the PR's own
        // claim about itself, or the check would compare the PR with itself.
        expectedRepo: configuredRepoOf(config, pr.project, pr.repo),
        branchPrefix: config.git.branchPrefix,
        ownForks: p.ownForks,
        recheck: () => poller.recheck(pr),
      });
      logger.info(
        { url: pr.url, outcome: result.outcome, reason: result.reason },
        result.merged ? 'auto-merged' : 'auto-merge not done',
      );
      if (result.merged)
        await notify(
          `🔀 auto-merged ${pr.url} (${config.autoMerge.method}): ${decision.reason}`,
          `automerge-${pr.repo}-${pr.number}`,
        );
      else await poller.update(pr.repo, pr.number, (current) => withGreenSince(current, undefined));
    }
  };
}

function withGreenSince<T extends { greenSince?: number }>(pr: T, greenSince: number | undefined): T {
  const next = { ...pr };
  if (greenSince === undefined) delete next.greenSince;
  else next.greenSince = greenSince;
  return next;
}
