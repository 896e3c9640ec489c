// Failing CI logs for a /rebase: the failing jobs' log tails of the PR's latest GitHub Actions
// runs (newest run per workflow for the head commit before the rebase), each in an untrusted
// block, so the agent can fix them in the same push. The text says the logs predate the rebase.
// docs/github-mentions.md#rebase-logs
import { untrustedBlock } from '../runner/untrusted.js';
import {
  jobLog,
  jobsOfRun,
  runsForSha,
  tailLines,
  type GitHubClient,
  type WorkflowRunSummary,
} from '../adapters/github/index.js';
import { newestRunPerWorkflow } from './ciVerdictNewest.js';

const FAILING = new Set(['failure', 'timed_out', 'startup_failure']);
/** At most this many failing jobs get a log (the rest are listed by name). */
export const MAX_LOGGED_JOBS = 6;

/** The last `lines` lines of a job log, without ANSI colours and GitHub's per-line timestamps. */
export const tailOfLog = tailLines;

/** The newest run of each workflow (the CI verdict's rule, ciVerdictNewest.ts), by name. */
export function latestRuns(runs: WorkflowRunSummary[]): WorkflowRunSummary[] {
  return newestRunPerWorkflow(runs).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The failing jobs' log tails of the PR's latest CI, with a note that they predate the rebase;
 * undefined when the latest CI was not failing (or there is none). GitHub errors on the run and
 * job listings propagate; a log that cannot be fetched (expired, 410) is noted in the text.
 */
export async function failingLogsForRebase(
  github: GitHubClient,
  repo: string,
  prNumber: number,
  tailLines: number,
): Promise<string | undefined> {
  const head = await github.pullRequestHead(repo, prNumber);
  const runs = latestRuns(await runsForSha(github, repo, head.sha));
  const failing = runs.filter((r) => r.status === 'completed' && r.conclusion !== null && FAILING.has(r.conclusion));
  if (failing.length === 0) return undefined;

  const sections: string[] = [];
  let logged = 0;
  for (const run of failing) {
    const jobs = (await jobsOfRun(github, repo, run.id)).filter(
      (j) => j.conclusion !== null && FAILING.has(j.conclusion),
    );
    if (jobs.length === 0) {
      sections.push(
        `### ${run.name} — ${run.conclusion}\n${run.url}\n\n(no failing job with a log: the workflow itself failed to start or was misconfigured)`,
      );
      continue;
    }
    for (const job of jobs) {
      const title = `### ${run.name} › ${job.name} — ${job.conclusion}${job.url ? `\n${job.url}` : ''}`;
      if (logged >= MAX_LOGGED_JOBS) {
        sections.push(`${title}\n\n(log not included: more than ${MAX_LOGGED_JOBS} failing jobs)`);
        continue;
      }
      logged += 1;
      let tail: string;
      try {
        tail = tailOfLog(await jobLog(github, repo, job.id), tailLines);
      } catch (error) {
        sections.push(`${title}\n\n(log unavailable: ${error instanceof Error ? error.message : String(error)})`);
        continue;
      }
      sections.push(
        `${title}\n\nLast ${tailLines} lines of the log:\n\n${untrustedBlock(tail, { kind: `CI log of ${run.name} › ${job.name}`, ...(job.url ? { where: job.url } : {}) })}`,
      );
    }
  }
  const intro =
    `CI was failing on this pull request before the rebase (head ${head.sha.slice(0, 7)}). ` +
    'These logs are from that run and predate the rebase: some failures may come from the old base and be gone now, ' +
    'others may remain. Fix what still fails after the rebase in the same push.';
  return `${intro}\n\n${sections.join('\n\n')}\n`;
}
