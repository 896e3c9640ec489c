// CI aggregation rules, one by one: every verdict an item can give and the order in which they
// win. The same rules from GitHub's real payload shapes, with required checks and superseded
// runs: ciVerdict.test.ts.
import { describe, expect, it } from 'vitest';
import {
  aggregateCi,
  runVerdict,
  statusVerdict,
  type CheckRunInfo,
  type CommitStatusInfo,
  type WorkflowRunInfo,
} from '../../src/prPoller/ciStatus.js';

let id = 0;
const check = (status: string, conclusion: string | null = null, name = `check-${++id}`): CheckRunInfo => ({
  id: ++id,
  name,
  status,
  conclusion,
  app: 'github-actions',
});
const done = (conclusion: string, name?: string) => check('completed', conclusion, name);
const status = (state: string, context = `ctx-${++id}`): CommitStatusInfo => ({ context, state });
const run = (s: string, conclusion: string | null = null, name = `wf-${++id}`): WorkflowRunInfo => ({
  id: ++id,
  name,
  status: s,
  conclusion,
});
const agg = (
  checkRuns: CheckRunInfo[] = [],
  statuses: CommitStatusInfo[] = [],
  workflowRuns: WorkflowRunInfo[] = [],
  truncated = false,
) => aggregateCi({ checkRuns, statuses, workflowRuns, truncated });

describe('item verdicts', () => {
  it.each([
    ['completed', 'success', 'success'],
    ['completed', 'failure', 'failure'],
    ['completed', 'timed_out', 'failure'],
    ['completed', 'startup_failure', 'failure'],
    ['completed', 'action_required', 'blocked'],
    // As in GitHub's merge box: skipped and neutral pass, cancelled does not, stale is outdated.
    ['completed', 'skipped', 'success'],
    ['completed', 'cancelled', 'failure'],
    ['completed', 'neutral', 'success'],
    ['completed', 'stale', 'ignored'],
    ['waiting', null, 'blocked'],
    ['queued', null, 'pending'],
    ['in_progress', null, 'pending'],
    ['requested', null, 'pending'],
    ['pending', null, 'pending'],
  ])('%s/%s → %s', (s, c, verdict) => {
    expect(runVerdict(s, c)).toBe(verdict);
  });

  it.each([
    ['failure', 'failure'],
    ['error', 'failure'],
    ['pending', 'pending'],
    ['success', 'success'],
  ])('commit status %s → %s', (state, verdict) => {
    expect(statusVerdict(state)).toBe(verdict);
  });
});

describe('aggregation', () => {
  it('nothing at all → none', () => {
    expect(agg().state).toBe('none');
  });

  it('only stale runs → none (they are ignored)', () => {
    const v = agg([done('stale'), done('stale')], [], [run('completed', 'stale')]);
    expect(v.state).toBe('none');
    expect(v.ignored).toBe(3);
  });

  it('only skipped and neutral runs → success (GitHub counts them as passing)', () => {
    const v = agg([done('skipped'), done('neutral')], [], [run('completed', 'skipped')]);
    expect(v.state).toBe('success');
  });

  it('stale, skipped and neutral runs do not hide a success', () => {
    expect(agg([done('success'), done('skipped'), done('stale'), done('neutral')]).state).toBe('success');
  });

  it('a cancelled run beside green jobs → failure', () => {
    const v = agg([done('success'), done('cancelled', 'e2e')]);
    expect(v.state).toBe('failure');
    expect(v.failing.map((f) => f.name)).toEqual(['e2e']);
  });

  it('cancelled jobs are listed only when nothing failed outright (fail-fast cancels the rest)', () => {
    const v = agg([done('failure', 'unit (20)'), done('cancelled', 'unit (22)')]);
    expect(v.failing.map((f) => f.name)).toEqual(['unit (20)']);
  });

  it('any success and nothing else → success', () => {
    expect(agg([done('success')], [status('success')], [run('completed', 'success')]).state).toBe('success');
  });

  it('anything unfinished → pending', () => {
    expect(agg([done('success'), check('in_progress')]).state).toBe('pending');
    expect(agg([done('success')], [status('pending')]).state).toBe('pending');
    expect(agg([done('success')], [], [run('queued')]).state).toBe('pending');
  });

  it('action_required or waiting → blocked_approval, over pending and success', () => {
    const v = agg([done('success'), check('in_progress')], [], [run('completed', 'action_required', 'deploy')]);
    expect(v.state).toBe('blocked_approval');
    expect(v.blocked).toEqual(['deploy']);
    expect(agg([check('waiting', null, 'env approval'), done('success')]).state).toBe('blocked_approval');
    expect(agg([], [], [run('waiting')]).state).toBe('blocked_approval');
  });

  it('a failure wins over everything', () => {
    const v = agg(
      [done('success'), check('in_progress'), done('failure', 'test')],
      [status('success')],
      [run('completed', 'action_required')],
    );
    expect(v.state).toBe('failure');
    expect(v.failing.map((f) => f.name)).toEqual(['test']);
  });

  it('timed_out and a failed or errored status are failures', () => {
    expect(agg([done('timed_out', 'slow')]).state).toBe('failure');
    expect(agg([], [status('error', 'ci/legacy')]).state).toBe('failure');
    expect(agg([], [status('failure', 'ci/legacy')]).failing).toEqual([{ kind: 'status', name: 'ci/legacy' }]);
  });

  it('a failed workflow run is listed only when no check run (job) failed', () => {
    const jobs = agg([done('failure', 'unit')], [], [run('completed', 'failure', 'CI')]);
    expect(jobs.failing.map((f) => f.name)).toEqual(['unit']);
    const startup = agg([], [], [run('completed', 'startup_failure', 'CI')]);
    expect(startup.state).toBe('failure');
    expect(startup.failing.map((f) => f.name)).toEqual(['CI']);
  });

  it('failing check runs keep id and app, for fetching their logs', () => {
    const v = agg([check('completed', 'failure', 'lint')]);
    expect(v.failing[0]).toMatchObject({ kind: 'check', name: 'lint', app: 'github-actions' });
    expect(typeof v.failing[0]?.id).toBe('number');
  });

  describe('a truncated listing', () => {
    it('is never green: all seen successes → pending', () => {
      const v = agg([done('success'), done('success')], [], [], true);
      expect(v.state).toBe('pending');
      expect(v.truncated).toBe(true);
    });
    it('with nothing seen → pending, not none', () => {
      expect(agg([], [], [], true).state).toBe('pending');
    });
    it('never invents a failure', () => {
      expect(agg([done('success'), check('queued')], [], [], true).state).toBe('pending');
    });
    it('still reports a failure it did see', () => {
      expect(agg([done('failure')], [], [], true).state).toBe('failure');
    });
    it('still reports a run waiting for approval it did see', () => {
      expect(agg([check('waiting')], [], [], true).state).toBe('blocked_approval');
    });
  });
});
