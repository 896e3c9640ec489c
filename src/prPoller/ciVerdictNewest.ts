// Which runs of one commit still count: per workflow and event only the newest run (a re-triggered or
// re-run workflow supersedes its older runs on the same commit, as in GitHub's merge box), and
// per check only the newest check run. Used by the CI verdict and the /rebase logs. Pure.
// docs/github.md#ci

/** What orders the runs of one workflow: run number, then attempt, then id (all grow). */
export interface RunOrder {
  id: number;
  name: string;
  workflowId?: number;
  runNumber?: number;
  runAttempt?: number;
  /** push, pull_request, …: one commit runs a workflow once per event, each a check of its own. */
  event?: string;
}

/** a is a newer run than b (of the same workflow). */
export function isNewerRun(a: RunOrder, b: RunOrder): boolean {
  const byNumber = (a.runNumber ?? 0) - (b.runNumber ?? 0);
  if (byNumber !== 0) return byNumber > 0;
  const byAttempt = (a.runAttempt ?? 1) - (b.runAttempt ?? 1);
  if (byAttempt !== 0) return byAttempt > 0;
  return a.id > b.id;
}

/**
 * The workflow a run belongs to: its id (without one, an old server: its name) and the event
 * that ran it; a workflow on both push and pull_request has two current runs, as the merge box shows.
 */
const workflowKey = (run: RunOrder): string =>
  `${run.workflowId !== undefined ? `id:${run.workflowId}` : `name:${run.name}`}|${run.event ?? ''}`;

/** The newest run of each workflow, in the order the workflows first appear. */
export function newestRunPerWorkflow<T extends RunOrder>(runs: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const run of runs) {
    const key = workflowKey(run);
    const seen = newest.get(key);
    if (!seen || isNewerRun(run, seen)) newest.set(key, run);
  }
  return [...newest.values()];
}

export interface CheckOrder {
  id: number;
  name: string;
  app?: string;
  checkSuiteId?: number;
}

/**
 * The check runs that still count: none from the check suite of a superseded workflow run, and
 * per check (its workflow when known, else its suite, else its app; and its name) only the newest
 * (ids grow).
 */
export function currentCheckRuns<C extends CheckOrder>(
  checks: readonly C[],
  allRuns: ReadonlyArray<RunOrder & { checkSuiteId?: number }>,
): C[] {
  const kept = new Set(newestRunPerWorkflow(allRuns));
  const superseded = new Set(
    allRuns.filter((r) => !kept.has(r) && r.checkSuiteId !== undefined).map((r) => r.checkSuiteId),
  );
  const workflowOfSuite = new Map(allRuns.map((r) => [r.checkSuiteId, workflowKey(r)]));
  const newest = new Map<string, C>();
  for (const check of checks) {
    if (check.checkSuiteId !== undefined && superseded.has(check.checkSuiteId)) continue;
    // Its workflow (and event) when the listing shows it; else its suite, so the checks of two
    // suites the listing does not show never hide each other.
    const suite = check.checkSuiteId;
    const owner =
      (suite !== undefined ? (workflowOfSuite.get(suite) ?? `suite:${suite}`) : undefined) ?? `app:${check.app ?? ''}`;
    const key = `${owner}|${check.name}`;
    const seen = newest.get(key);
    if (!seen || check.id > seen.id) newest.set(key, check);
  }
  return [...newest.values()];
}
