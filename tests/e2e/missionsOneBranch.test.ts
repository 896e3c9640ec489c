// One mission per branch, end to end: two runners, a /review and a /rebase of one pull request.
// The second waits (missions.md, `mission show` and `mission list` say for whom) until the first
// is done, then runs on the branch the first one's worktree held (issue 10, item 4).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ListReply } from '../../src/missions/service.js';
import { addMission, finished, getMission, untilMission } from '../harness/missionClient.js';
import { gitIn, runsBash, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import type { TestTree } from '../harness/tree.js';
import { startTwoRunners } from '../harness/twoRunners.js';
import { until } from '../harness/until.js';

const add = addMission;

describe('two runners, one pull request', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(startTwoRunners, (started) => ({ world, tree } = started));

  it('a second mission on the PR waits for the first, visibly, and runs after it', async () => {
    gitIn(world.clone, 'push', '-q', 'origin', 'main:refs/heads/roshi/shared');
    const pull = world.github.addPull('acme/app', { head: { ref: 'roshi/shared' } });
    const url = `https://github.com/acme/app/pull/${pull.number}`;
    const started = join(world.dir, 'review-started');
    const release = join(world.dir, 'review-release');
    world.scenarios.set(
      'hold-review',
      runsBash(`touch ${started}; while [ ! -f ${release} ]; do sleep 0.2; done`, 'wait', 'reviewed'),
    );
    const review = await add(tree, `/review ${url} {{hold-review}}`);
    const rebase = await add(tree, `/rebase ${url}`);
    await until(() => existsSync(started), 'the review agent to start', { timeoutMs: 60_000 });
    // Both runners are up and one is idle, yet the rebase waits, and missions.md says why.
    const file = join(tree.stateDir, 'missions.md');
    const line = await until(
      () =>
        existsSync(file) &&
        readFileSync(file, 'utf8')
          .split('\n')
          .find((l) => l.includes(`/rebase ${url}`) && l.includes(`waits for ${review.id} on `)),
      'missions.md to show the rebase waiting for the review',
      { timeoutMs: 30_000, detail: () => (existsSync(file) ? readFileSync(file, 'utf8') : 'no missions.md') },
    );
    // The PR, until a run has recorded its branch.
    expect(line).toContain(`waits for ${review.id} on acme/app#${pull.number}`);
    expect((await getMission(tree, rebase.id)).status).toBe('pending');
    // mission show and mission list say it too, and their --json carries it.
    const waits = `waits for ${review.id} on acme/app#${pull.number}`;
    const show = await tree.cli(['mission', 'show', rebase.id]);
    const showLine = `^waits for +${review.id} on acme/app#${pull.number} \\(one mission per branch at a time\\)$`;
    expect(show.stdout).toMatch(new RegExp(showLine, 'm'));
    const list = await tree.cli(['mission', 'list']);
    expect(list.stdout.split('\n').find((l) => l.startsWith(rebase.id))).toContain(`pending (${waits})`);
    const waitingFor = { mission: review.id, branch: `acme/app#${pull.number}` };
    expect(JSON.parse((await tree.cli(['mission', 'show', rebase.id, '--json'])).stdout).waitingFor).toEqual(
      waitingFor,
    );
    const listed = JSON.parse((await tree.cli(['mission', 'list', '--json'])).stdout) as ListReply;
    expect(listed.missions.find((m) => m.id === rebase.id)?.waitingFor).toEqual(waitingFor);
    expect(listed.missions.find((m) => m.id === review.id)).not.toHaveProperty('waitingFor');
    writeFileSync(release, '');
    const reviewed = await untilMission(tree, review.id, finished, 90_000, 'the review to finish');
    expect(reviewed.status, reviewed.lastError).toBe('done');
    const rebased = await untilMission(tree, rebase.id, finished, 90_000, 'the rebase to finish');
    // It ran once the review was over, on the branch the review's worktree no longer holds.
    expect(rebased.startedAt).toBeGreaterThanOrEqual(reviewed.finishedAt!);
    expect(rebased.result?.error ?? '').not.toMatch(/checked out in another worktree/);
    expect(rebased.attempts).toBe(1);
  }, 240_000);
});
