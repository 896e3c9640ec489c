// The PR poller end to end: real supervisor, runner, missions and pr-poller processes from
// dist/, the real Claude Code CLI against the scripted Messages API, a local bare remote, and
// the fake GitHub serving check runs the test controls (PR heads follow the bare remote).
//
// A mission opens a PR → CI goes red on its head → the poller queues a /ci_check mission whose
// context carries the failing job's log tail (with the scenario marker in it) → the agent
// fixes and the runner pushes → CI goes green on the new head → ✅ in the outbox and, through
// the bridge, on the console. And the runner refuses commands on PRs that are not roshi's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { untilMission } from '../harness/missionClient.js';
import { gitIn, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const REPO = 'acme/app';

/** What explains a wait that timed out here: the poller's log and the tree's output. */
const pollerDetail = (tree: TestTree) => `${tree.log('pr-poller').slice(-4000)}\n${tree.output().slice(-2000)}`;

/** `until` with this file's argument order, the poller's log and the tree's output on a timeout. */
const waitFor = <T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  tree?: TestTree,
): Promise<T> => until(fn, what, { timeoutMs, intervalMs: 200, detail: () => (tree ? pollerDetail(tree) : '') });

/** A mission that ran to its end, done or failed. */
const settled = (m: Mission) => m.status === 'done' || m.status === 'failed';

/** The sha of `branch` on the world's bare remote, if it is there. */
function remoteShaIn(world: MissionWorld, branch: string): string | undefined {
  try {
    return gitIn(world.dir, '--git-dir', world.bare, 'rev-parse', '--verify', `refs/heads/${branch}`);
  } catch {
    return undefined;
  }
}

describe('PR poller: the CI queue end to end', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const remoteSha = (branch: string) => remoteShaIn(world, branch);
  const consoleLines: string[] = [];
  const missions = async (): Promise<Mission[]> =>
    (await tree.bus.request<{ missions: Mission[] }>(tree.bus.subjects.missions('list'), {}, 5_000)).missions;

  useMissionTree(
    {
      prepare: (w) => w.github.followBranches((repo, branch) => (repo === REPO ? remoteShaIn(w, branch) : undefined)),
      config: (w) =>
        w.config({
          prPoller: { repos: [REPO], fastInterval: '1s', idleInterval: '2s' },
          ci: { maxAttempts: 5, logTailLines: 50 },
          actors: { bridge: { enabled: true }, chat: { enabled: false }, prPoller: { enabled: true } },
        }),
      running: ['missions', 'bridge', 'runner-1', 'pr-poller'],
      // What the operator sees: the console provider's output, through the bridge.
      ready: (started) => {
        started.tree.bus.subscribe(
          started.tree.bus.subjects.bridgeConsole,
          (payload) => void consoleLines.push(String(payload.text ?? '')),
        );
      },
    },
    (started) => ({ world, tree } = started),
  );

  it('red CI on a pushed PR becomes a /ci_check mission that fixes it; green CI is announced', async () => {
    world.scenarios.set('ci-open', writesFile('feature.txt', 'the feature'));
    world.scenarios.set('ci-fix', writesFile('fixed.txt', 'the fix'));

    const first = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: 'add the feature {{ci-open}}', source: 'nats' },
      5_000,
    );
    const done = await untilMission(tree, first.id, settled, 90_000, 'the first mission to finish', () =>
      pollerDetail(tree),
    );
    expect(done.status, done.lastError).toBe('done');
    const prUrl = done.result!.prUrl!;
    const branch = done.result!.branch!;
    expect(prUrl).toMatch(/\/acme\/app\/pull\/\d+$/);
    const sha1 = remoteSha(branch)!;

    // CI goes red on the PR's head: a failing Actions job whose log names the fix scenario
    const [unit] = world.github.setCheckRuns(REPO, sha1, [
      { name: 'unit tests', conclusion: 'failure' },
      { name: 'lint', conclusion: 'success' },
    ]);
    world.github.setJobLog(
      REPO,
      unit!.id,
      [
        '2025-01-01T10:00:00.0000000Z > npm test',
        '2025-01-01T10:00:01.0000000Z FAIL fixed.test.js',
        '2025-01-01T10:00:01.5000000Z   fixed.txt is missing {{ci-fix}}',
      ].join('\n'),
    );

    const check = await waitFor(
      'a /ci_check mission',
      async () => (await missions()).find((m) => m.kind === 'ci_check'),
      30_000,
      tree,
    );
    expect(check.text).toBe(`/ci_check ${prUrl}`);
    expect(check.source).toBe('github');
    expect(check.context).toContain('unit tests');
    expect(check.context).toContain('fixed.txt is missing {{ci-fix}}');

    // missions.md shows the PR in the CI section with its attempt
    const file = join(tree.stateDir, 'missions.md');
    await waitFor(
      'the CI section of missions.md',
      () => (readFileSync(file, 'utf8').includes(`${prUrl} branch:${branch} (attempt 1/5)`) ? true : undefined),
      15_000,
      tree,
    );

    const fixed = await untilMission(tree, check.id, settled, 90_000, 'the /ci_check mission to finish', () =>
      pollerDetail(tree),
    );
    expect(fixed.status, fixed.lastError).toBe('done');
    const sha2 = await waitFor(
      'the fix on the remote',
      () => {
        const sha = remoteSha(branch);
        return sha && sha !== sha1 ? sha : undefined;
      },
      10_000,
    );
    expect(gitIn(world.dir, '--git-dir', world.bare, 'show', `${branch}:fixed.txt`)).toBe('the fix');
    // the agent saw the log tail: the scenario marker only reached it through the context
    expect(world.anthropic.messageRequests().some((r) => JSON.stringify(r.body).includes('fixed.txt is missing'))).toBe(
      true,
    );

    // CI goes green on the new head
    world.github.setCheckRuns(REPO, sha2, [
      { name: 'unit tests', conclusion: 'success' },
      { name: 'lint', conclusion: 'success' },
    ]);
    const note = await waitFor(
      'the ✅ notification in the outbox',
      async () =>
        (await tree.outbox()).find(
          (m) =>
            m.source === 'pr-poller' && typeof m.text === 'string' && m.text.startsWith('✅') && m.text.includes(prUrl),
        ),
      30_000,
      tree,
    );
    expect(note).toMatchObject({ kind: 'notification', source: 'pr-poller' });
    expect(note.text).toMatch(/after 1 fix attempt/);
    // …and reaches the operator through the bridge.
    await waitFor(
      'the ✅ notification on the console',
      async () => consoleLines.find((t) => t.startsWith('✅') && t.includes(prUrl)),
      30_000,
      tree,
    );
    expect((await missions()).filter((m) => m.kind === 'ci_check')).toHaveLength(1);

    await waitFor(
      'the CI section to empty',
      () => (/## CI\n\n## Pending/.test(readFileSync(file, 'utf8')) ? true : undefined),
      15_000,
      tree,
    );

    const status = await tree.bus.request<{
      state: string;
      tracked: Array<{ url: string; ci: string; inCiQueue: boolean }>;
      requests: { requests: number; notModified: number };
    }>(tree.bus.subjects.control('pr-poller'), { verb: 'status' });
    expect(status.tracked).toEqual([expect.objectContaining({ url: prUrl, ci: 'success', inCiQueue: false })]);
    expect(status.requests.requests).toBeGreaterThan(0);
    expect(status.requests.notModified).toBeGreaterThan(0);
  });
});

describe("the runner works only on roshi's own PRs of the mission's project", () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    {
      config: (w) =>
        w.config({
          actors: { bridge: { enabled: false }, chat: { enabled: false }, prPoller: { enabled: false } },
        }),
      running: ['missions', 'runner-1'],
    },
    (started) => ({ world, tree } = started),
  );

  const finished = (id: string): Promise<Mission> =>
    untilMission(tree, id, settled, 60_000, 'its end', () => pollerDetail(tree));

  it("a /fix of a fork's roshi/ PR and a /rebase of another repository's PR fail at once, and the agent never runs", async () => {
    const fork = world.github.addPull(REPO, { head: { ref: 'roshi/totally-legit', owner: 'stranger' } });
    const fix = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: `/fix https://github.com/${REPO}/pull/${fork.number}`, source: 'nats' },
      5_000,
    );
    const other = await tree.bus.request<Mission>(
      tree.bus.subjects.missions('add'),
      { text: '/rebase https://github.com/evil/app/pull/1', source: 'nats' },
      5_000,
    );

    const fixed = await finished(fix.id);
    expect(fixed.status).toBe('failed');
    expect(fixed.lastError).toMatch(
      /not my PR: .*its head repository stranger\/app is neither acme\/app nor listed in prPoller.ownForks/,
    );
    expect(fixed.attempts).toBe(1); // final: no retry can change it
    const rebased = await finished(other.id);
    expect(rebased.status).toBe('failed');
    expect(rebased.lastError).toMatch(
      /not my PR: https:\/\/github.com\/evil\/app\/pull\/1 belongs to evil\/app, but project app is acme\/app/,
    );
    // Refused before any GitHub call about the foreign repository, and before the agent.
    expect(world.github.requestsTo('GET', '/repos/evil/')).toEqual([]);
    expect(world.anthropic.messageRequests()).toEqual([]);
  });
});

describe('PR poller without a token', () => {
  it('stays idle and says why', async () => {
    const tree = await TestTree.start({
      config: {
        prPoller: { repos: [REPO] },
        github: { tokenEnv: 'ROSHI_TEST_NO_SUCH_TOKEN' },
        actors: { bridge: { enabled: false }, chat: { enabled: false }, runner: { enabled: false } },
      },
    });
    try {
      await tree.waitForRunning(['pr-poller']);
      const status = await tree.bus.request<{ state: string; idle: boolean; reason: string }>(
        tree.bus.subjects.control('pr-poller'),
        { verb: 'status' },
      );
      expect(status).toMatchObject({ state: 'idle', idle: true });
      expect(status.reason).toMatch(/ROSHI_TEST_NO_SUCH_TOKEN/);
    } finally {
      await tree.stop();
    }
  });
});
