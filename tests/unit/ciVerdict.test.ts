// CI judged the way GitHub's merge box judges it, from GitHub's own payload shapes: check runs,
// workflow runs and commit statuses taken from @octokit/webhooks-examples (real deliveries; their
// objects are the REST shapes), read through the adapter's mappers, then changed only where a row
// needs it (conclusion, ids, run numbers). Each row marked `defect` was judged wrong before
// (issue 15); docs/github.md#ci has the rules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  toCheckRun,
  toCommitStatus,
  toWorkflowRun,
  type RawCheckRun,
  type RawStatus,
  type RawWorkflowRun,
} from '../../src/adapters/github/ciShapes.js';
import { aggregateCi, type CiInputs } from '../../src/prPoller/ciStatus.js';
import { latestRuns } from '../../src/prPoller/rebaseLogs.js';
import type { CiState } from '../../src/prPoller/types.js';

interface Example {
  name: string;
  examples: Array<Record<string, unknown>>;
}
const require = createRequire(import.meta.url);
const examples = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Example[];
const delivery = (event: string, pick: (payload: Record<string, unknown>) => boolean) => {
  const found = examples.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${event} example`);
  return structuredClone(found);
};

const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const OLD_HEAD = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
// A completed github-actions check run (check_run.completed, conclusion failure).
const CHECK_RUN = delivery('check_run', (p) => (p.check_run as RawCheckRun).app?.slug === 'github-actions')
  .check_run as RawCheckRun;
// A completed workflow run whose workflow has no name (workflow_run.completed: name "").
const WORKFLOW_RUN = delivery('workflow_run', (p) => (p.workflow_run as RawWorkflowRun).conclusion === 'success')
  .workflow_run as RawWorkflowRun;
// A run of that workflow waiting for a maintainer's approval (workflow_run.requested, action_required).
const APPROVAL_RUN = delivery(
  'workflow_run',
  (p) => (p.workflow_run as RawWorkflowRun).conclusion === 'action_required',
).workflow_run as RawWorkflowRun;
// A commit status (the status event carries the status's fields at the top).
const STATUS = delivery('status', () => true) as unknown as RawStatus;

let ids = 1_000;
/** A check run of `suite` (a workflow run's check_suite_id); ids grow as GitHub's do. */
const check = (name: string, conclusion: string | null, over: Partial<RawCheckRun> = {}) =>
  toCheckRun({
    ...CHECK_RUN,
    id: ++ids,
    name,
    head_sha: HEAD,
    status: conclusion === null ? 'in_progress' : 'completed',
    conclusion,
    ...over,
  });
const run = (conclusion: string | null, over: Partial<RawWorkflowRun> = {}) =>
  toWorkflowRun(
    {
      ...WORKFLOW_RUN,
      id: ++ids,
      head_sha: HEAD,
      status: conclusion === null ? 'in_progress' : 'completed',
      conclusion,
      ...over,
    },
    HEAD,
  );
const status = (context: string, state: string) => toCommitStatus({ ...STATUS, context, state });

interface Row {
  name: string;
  /** It was judged wrong before the fix (issue 15). */
  defect?: boolean;
  inputs: Partial<CiInputs>;
  state: CiState;
  failing?: string[];
  blocked?: string[];
  optionalFailing?: string[];
  missing?: string[];
}

// Workflow 2823525 ran twice on HEAD: run 163 (check suite 11) failed, run 164 (check suite 12) passed.
const rerun = {
  workflowRuns: [
    run('failure', { run_number: 163, check_suite_id: 11 }),
    run('success', { run_number: 164, check_suite_id: 12 }),
  ],
  checkRuns: [
    check('test', 'failure', { check_suite: { id: 11 } }),
    check('test', 'success', { check_suite: { id: 12 } }),
  ],
};

const rows: Row[] = [
  { name: 'a green commit → success', inputs: { checkRuns: [check('test', 'success')] }, state: 'success' },
  {
    name: 'a re-triggered workflow: only its newest run and that run’s jobs count',
    defect: true,
    inputs: rerun,
    state: 'success',
  },
  {
    name: 'one workflow run for push and for pull_request: both are current, either can fail',
    inputs: {
      workflowRuns: [
        run('failure', { event: 'push', run_number: 163, check_suite_id: 11 }),
        run('success', { event: 'pull_request', run_number: 164, check_suite_id: 12 }),
      ],
      checkRuns: [
        check('test', 'failure', { check_suite: { id: 11 } }),
        check('test', 'success', { check_suite: { id: 12 } }),
      ],
    },
    state: 'failure',
    failing: ['test'],
  },
  {
    name: 'same-named jobs of two suites the workflow listing does not show: neither hides the other',
    inputs: {
      checkRuns: [
        check('test', 'failure', { check_suite: { id: 21 } }),
        check('test', 'success', { check_suite: { id: 22 } }),
      ],
    },
    state: 'failure',
    failing: ['test'],
  },
  {
    name: 'the newest run failing, an older one green → failure',
    inputs: {
      workflowRuns: [
        run('success', { run_number: 163, check_suite_id: 11 }),
        run('failure', { run_number: 164, check_suite_id: 12 }),
      ],
      checkRuns: [
        check('test', 'success', { check_suite: { id: 11 } }),
        check('test', 'failure', { check_suite: { id: 12 } }),
      ],
    },
    state: 'failure',
    failing: ['test'],
  },
  {
    name: 're-run failed jobs (attempt 2 in the same suite): the newest check run of a job counts',
    defect: true,
    inputs: {
      workflowRuns: [run('success', { run_attempt: 2, check_suite_id: 11 })],
      checkRuns: [
        check('test', 'failure', { check_suite: { id: 11 } }),
        check('lint', 'success', { check_suite: { id: 11 } }),
        check('test', 'success', { check_suite: { id: 11 } }),
      ],
    },
    state: 'success',
  },
  {
    name: 'all skipped → success, not "no CI"',
    defect: true,
    inputs: { checkRuns: [check('deploy', 'skipped'), check('docs', 'skipped')], workflowRuns: [run('skipped')] },
    state: 'success',
  },
  {
    name: 'all neutral → success, not "no CI"',
    defect: true,
    inputs: { checkRuns: [check('advisory', 'neutral')] },
    state: 'success',
  },
  {
    name: 'a cancelled test run beside green jobs → failure',
    defect: true,
    inputs: { checkRuns: [check('lint', 'success'), check('test', 'cancelled')] },
    state: 'failure',
    failing: ['test'],
  },
  { name: 'only stale runs → none', inputs: { checkRuns: [check('test', 'stale')] }, state: 'none' },
  {
    name: 'a run waiting for approval, its workflow unnamed → blocked, shown by its file',
    defect: true,
    inputs: { workflowRuns: [toWorkflowRun(APPROVAL_RUN, APPROVAL_RUN.head_sha)] },
    state: 'blocked_approval',
    blocked: ['.github/workflows/test.yml'],
  },
  {
    name: 'a job waiting for an environment’s approval → blocked',
    inputs: { checkRuns: [check('lint', 'success'), check('deploy', null, { status: 'waiting' })] },
    state: 'blocked_approval',
    blocked: ['deploy'],
  },
  {
    name: 'a check run of another commit is not this head’s CI',
    defect: true,
    inputs: { headSha: HEAD, checkRuns: [check('test', 'success'), check('test', 'failure', { head_sha: OLD_HEAD })] },
    state: 'success',
  },
  {
    name: 'required checks pass, an optional one fails → success',
    defect: true,
    inputs: {
      required: ['test', 'ci/legacy'],
      checkRuns: [check('test', 'success'), check('flaky-e2e', 'failure')],
      statuses: [status('ci/legacy', 'success')],
    },
    state: 'success',
    optionalFailing: ['flaky-e2e'],
  },
  {
    name: 'a required check that has not reported → pending',
    defect: true,
    inputs: { required: ['test', 'build'], checkRuns: [check('test', 'success')] },
    state: 'pending',
    missing: ['build'],
  },
  {
    name: 'a required check fails → failure, only the required one reported',
    inputs: { required: ['test'], checkRuns: [check('test', 'failure'), check('flaky-e2e', 'failure')] },
    state: 'failure',
    failing: ['test'],
    optionalFailing: ['flaky-e2e'],
  },
  {
    name: 'a required check missing behind a run waiting for approval → blocked',
    inputs: { required: ['test'], workflowRuns: [toWorkflowRun(APPROVAL_RUN, APPROVAL_RUN.head_sha)] },
    state: 'blocked_approval',
    missing: ['test'],
  },
  {
    name: 'a required check only stale → missing, pending',
    inputs: { required: ['test'], checkRuns: [check('test', 'stale')] },
    state: 'pending',
    missing: ['test'],
  },
  {
    name: 'required checks not readable (undefined) → every check counts',
    inputs: { checkRuns: [check('test', 'success'), check('flaky-e2e', 'failure')] },
    state: 'failure',
    failing: ['flaky-e2e'],
  },
  {
    name: 'an errored commit status → failure',
    inputs: { checkRuns: [check('test', 'success')], statuses: [status('ci/legacy', 'error')] },
    state: 'failure',
    failing: ['ci/legacy'],
  },
];

describe('CI verdict from GitHub’s payload shapes', () => {
  it.each(rows)('$name', (row) => {
    const v = aggregateCi({ checkRuns: [], statuses: [], workflowRuns: [], ...row.inputs });
    expect(v.state).toBe(row.state);
    if (row.failing) expect(v.failing.map((f) => f.name)).toEqual(row.failing);
    if (row.blocked) expect(v.blocked).toEqual(row.blocked);
    if (row.optionalFailing) expect(v.optionalFailing.map((f) => f.name)).toEqual(row.optionalFailing);
    if (row.missing) expect(v.missing).toEqual(row.missing);
  });

  it('the payloads are what the rows assume', () => {
    expect(CHECK_RUN).toMatchObject({ name: 'Octocoders-linter', app: { slug: 'github-actions' } });
    expect(WORKFLOW_RUN).toMatchObject({ name: '', path: '.github/workflows/test.yml', workflow_id: 2823525 });
    expect(APPROVAL_RUN).toMatchObject({ name: '', conclusion: 'action_required' });
  });

  it('the /rebase logs keep the same newest run per workflow', () => {
    const raw = [
      { ...WORKFLOW_RUN, id: 1, run_number: 163, conclusion: 'failure' },
      { ...WORKFLOW_RUN, id: 2, run_number: 164, conclusion: 'success' },
    ];
    const summaries = raw.map((r) => ({
      ...toWorkflowRun(r as RawWorkflowRun),
      workflowId: r.workflow_id as number,
      runNumber: r.run_number,
      runAttempt: 1,
      url: '',
      createdAt: '',
    }));
    expect(latestRuns(summaries).map((r) => r.id)).toEqual([2]);
  });
});
