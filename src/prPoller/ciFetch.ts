// What the poller reads about one commit's CI: the verdict from its three sources (check runs,
// the combined status, workflow runs) and the base branch's required checks (cached a while:
// they rarely change), and the tails of the failing Actions jobs' logs, cached per commit and
// job so a PR that stays red does not fetch the same log every poll.
import { requiredStatusChecks, type GitHubClient } from '../adapters/github/index.js';
import { aggregateCi, type CiVerdict, type FailingItem } from './ciStatus.js';

export interface CiReaderSettings {
  /** ci.logTailLines */
  logTailLines: number;
  /** Pages fetched per listing (100 each) before it counts as truncated; default 3. */
  maxPages?: number;
  /** Failing jobs whose logs are fetched per /ci_check; default 5. */
  maxLogs?: number;
  /** For the required checks' cache; default Date.now. */
  clock?: () => number;
}

/** Runs one GitHub read; an error about this item gives undefined (the poller's guard). */
export type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

/** How long a base branch's required checks are reused before they are read again. */
export const REQUIRED_CHECKS_TTL_MS = 10 * 60_000;

export class CiReader {
  private readonly logTails = new Map<string, string>();
  private readonly required = new Map<string, { names: string[] | undefined; at: number }>();

  constructor(
    private readonly github: GitHubClient,
    private readonly settings: CiReaderSettings,
  ) {}

  /** CI of one commit (a PR's head) from its three sources; with `base`, its required checks decide. */
  async verdict(repo: string, sha: string, base?: string): Promise<CiVerdict> {
    const maxPages = this.settings.maxPages ?? 3;
    const [checks, status, runs, required] = await Promise.all([
      this.github.listCheckRuns(repo, sha, { maxPages }),
      this.github.combinedStatus(repo, sha, { maxPages: 1 }),
      this.github.listWorkflowRuns(repo, sha, { maxPages: 1 }),
      base ? this.requiredChecks(repo, base) : undefined,
    ]);
    return aggregateCi({
      checkRuns: checks.items,
      statuses: status.statuses,
      workflowRuns: runs.items,
      truncated: checks.truncated || status.truncated || runs.truncated,
      headSha: sha,
      ...(required !== undefined ? { required } : {}),
    });
  }

  /** The base branch's required checks, undefined when the token cannot read them (reused for a while). */
  private async requiredChecks(repo: string, base: string): Promise<string[] | undefined> {
    const key = `${repo}#${base}`;
    const now = (this.settings.clock ?? Date.now)();
    const cached = this.required.get(key);
    if (cached && now - cached.at < REQUIRED_CHECKS_TTL_MS) return cached.names;
    const names = await requiredStatusChecks(this.github, repo, base);
    if (this.required.size >= 200) this.required.clear();
    this.required.set(key, { names, at: now });
    return names;
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
