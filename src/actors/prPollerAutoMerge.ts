// The pr-poller's auto-merge duty: each followed PR's decision (decideAutoMerge), the green
// time kept on its record, the merge after a fresh re-check, GitHub's refusals remembered per
// head commit, and why a merge waits said in chat once per PR and reason.
// docs/github-mentions.md#auto-merge, docs/github.md#auto-merge
import { createHash } from 'node:crypto';
import { decideAutoMerge, mergePullRequest, refusalKey, type MergeRefusal } from '../prPoller/autoMerge.js';
import type { DutyInput } from './prPollerDutyInput.js';
import { configuredRepoOf } from './prPollerRepos.js';

export function autoMergeDuty({ config, github, poller, notify, logger }: DutyInput) {
  const p = config.prPoller;
  const refusals = new Map<string, MergeRefusal>();
  /** Wait reasons already said in chat, per PR (refusalKey). */
  const told = new Map<string, Set<string>>();

  return async function autoMerge(): Promise<void> {
    if (!config.autoMerge.enabled) return;
    const now = Date.now();
    const tracked = poller.trackedPrs();
    forgetGone(new Set(tracked.map(refusalKey)), refusals, told);
    for (const pr of tracked) {
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
        refusals,
      });
      logger.info(
        { url: pr.url, outcome: result.outcome, reason: result.reason },
        result.merged ? 'auto-merged' : 'auto-merge not done',
      );
      if (result.merged) {
        told.delete(refusalKey(pr));
        await notify(
          `🔀 auto-merged ${pr.url} (${config.autoMerge.method}): ${decision.reason}`,
          `automerge-${pr.repo}-${pr.number}`,
        );
        continue;
      }
      await poller.update(pr.repo, pr.number, (current) => withGreenSince(current, undefined));
      if (result.wait !== undefined) await tellOnce(pr, result.wait);
    }
  };

  async function tellOnce(pr: { repo: string; number: number; url: string }, reason: string): Promise<void> {
    const key = refusalKey(pr);
    const said = told.get(key) ?? new Set<string>();
    if (said.has(reason)) return;
    const digest = createHash('sha256').update(reason).digest('hex').slice(0, 16);
    await notify(`⏸️ auto-merge of ${pr.url} waits: ${reason}`, `automerge-wait-${pr.repo}-${pr.number}-${digest}`);
    said.add(reason); // after the notice went out: a failed one is tried again next poll
    told.set(key, said);
  }
}

/** Drops what is kept for PRs no longer followed (merged, closed, forgotten). */
function forgetGone(followed: Set<string>, ...memories: Array<Map<string, unknown>>): void {
  for (const memory of memories) for (const key of memory.keys()) if (!followed.has(key)) memory.delete(key);
}

function withGreenSince<T extends { greenSince?: number }>(pr: T, greenSince: number | undefined): T {
  const next = { ...pr };
  if (greenSince === undefined) delete next.greenSince;
  else next.greenSince = greenSince;
  return next;
}
