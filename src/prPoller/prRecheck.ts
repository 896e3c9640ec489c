// A fresh look at one PR right before a merge: its state and head, CI of that head and its
// review threads. Conditional requests are fine here: a 304 is GitHub confirming nothing changed.
// docs/github-mentions.md#auto-merge
import type { GitHubClient } from '../adapters/github/index.js';
import type { CiReader } from './ciFetch.js';
import type { TrackedPr } from './types.js';

export async function recheckPr(
  github: GitHubClient,
  ci: CiReader,
  pr: TrackedPr,
): Promise<TrackedPr & { truncated?: boolean }> {
  const pull = await github.getPullRequest(pr.repo, pr.number);
  const verdict = await ci.verdict(pr.repo, pull.headSha, pull.baseRef);
  const threads = await github.reviewThreads(pr.repo, pr.number);
  const unresolved = threads.threads.filter((t) => !t.isResolved).length;
  return {
    ...pr,
    state: pull.state,
    branch: pull.headRef,
    headRepo: pull.headRepo,
    headSha: pull.headSha,
    ci: verdict.state,
    failing: verdict.failing.map((f) => ({ name: f.name, ...(f.url ? { url: f.url } : {}) })),
    unresolvedThreads: unresolved,
    truncated: verdict.truncated || threads.truncated,
  };
}
