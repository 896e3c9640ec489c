// What the poller reads about one commit's CI: the verdict from its three sources (check runs,
// the combined status, workflow runs) and the tails of the failing Actions jobs' logs, cached
// per commit and job so a PR that stays red does not fetch the same log every poll.
import type { GitHubClient } from '../adapters/github/index.js';
import { aggregateCi, type CiVerdict, type FailingItem } from './ciStatus.js';

export interface CiReaderSettings {
  /** ci.logTailLines */
  logTailLines: number;
  /** Pages fetched per listing (100 each) before it counts as truncated; default 3. */
  maxPages?: number;
  /** Failing jobs whose logs are fetched per /ci_check; default 5. */
  maxLogs?: number;
}

/** Runs one GitHub read; an error about this item gives undefined (the poller's guard). */
export type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

export class CiReader {
  private readonly logTails = new Map<string, string>();

  constructor(
    private readonly github: GitHubClient,
    private readonly settings: CiReaderSettings,
  ) {}

  /** CI of one commit from its three sources. */
  async verdict(repo: string, sha: string): Promise<CiVerdict> {
    const maxPages = this.settings.maxPages ?? 3;
    const [checks, status, runs] = await Promise.all([
      this.github.listCheckRuns(repo, sha, { maxPages }),
      this.github.combinedStatus(repo, sha, { maxPages: 1 }),
      this.github.listWorkflowRuns(repo, sha, { maxPages: 1 }),
    ]);
    return aggregateCi({
      checkRuns: checks.items,
      statuses: status.statuses,
      workflowRuns: runs.items,
      truncated: checks.truncated || status.truncated || runs.truncated,
    });
  }

  /** The failing jobs with the tails of their logs (Actions jobs only; others have no log API). */
  async withLogs(repo: string, sha: string, failing: FailingItem[], guard: Guard): Promise<FailingItem[]> {
    const out: FailingItem[] = [];
    let fetched = 0;
    for (const item of failing) {
      const job = item.kind === 'check' && item.app === 'github-actions' && item.id !== undefined ? item.id : undefined;
      if (job === undefined || fetched >= (this.settings.maxLogs ?? 5)) {
        out.push(item);
        continue;
      }
      fetched++;
      const key = `${repo}@${sha}#${job}`;
      let tail = this.logTails.get(key);
      if (tail === undefined) {
        tail = await guard(`log of job ${job} in ${repo}`, () =>
          this.github.jobLogTail(repo, job, this.settings.logTailLines),
        );
        if (tail !== undefined) {
          if (this.logTails.size >= 200) this.logTails.clear();
          this.logTails.set(key, tail);
        }
      }
      out.push(tail ? { ...item, logTail: tail } : item);
    }
    return out;
  }
}
