// `roshi drain` on one real tree (single host, embedded NATS, the real agent CLI against the
// scripted Messages API): the mission running when the drain is given finishes, once; the one
// queued behind it is not claimed; the supervisor stops its tree and exits 0 saying who drained
// it, leaving no process. Started again on the same state dir it claims nothing until the drain is
// undone, then it claims. docs/scale-out.md#add-and-drain-a-host
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunnerDrainReply } from '../../src/contracts/drain.js';
import { addMission, finished, getMission, untilMission } from '../harness/missionClient.js';
import { createMissionWorld, runsBash, writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { liveProcessesWhere } from '../harness/procScan.js';
import { isAlive } from '../harness/processes.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('roshi drain', () => {
  let world: MissionWorld | undefined;
  let tree: TestTree | undefined;
  afterAll(async () => {
    await tree?.stop().catch(() => undefined);
    await world?.stop();
  });

  /** Processes whose environment names this state dir: the tree's, and whatever they started. */
  const leftBehind = (stateDir: string) =>
    liveProcessesWhere((pid) => readFileSync(`/proc/${pid}/environ`, 'utf8').includes(stateDir));

  const drainState = (t: TestTree) =>
    t.bus.request<RunnerDrainReply>(t.bus.subjects.control('runner-1'), { verb: 'drain-state' }, 2_000);

  it('finishes the running mission, claims no queued one, and leaves with exit 0; a restart claims only after the undo', async () => {
    world = await createMissionWorld();
    const w = world;
    // The running mission waits for the test's go, so the drain lands while its agent works.
    const go = join(w.dir, 'go');
    w.scenarios.set(
      'first',
      runsBash(`while [ ! -e ${go} ]; do sleep 0.2; done; echo one > first.txt`, 'wait for the go', 'done'),
    );
    w.scenarios.set('second', writesFile('second.txt', 'two'));
    tree = await TestTree.start({ config: w.config(), env: w.env });
    await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
    const stateDir = tree.stateDir;

    // A host no actor is heard from is refused, and nothing is marked.
    const unknown = await tree.cli(['drain', 'h9']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/no actor of host "h9" was heard on the bus .*--force/);

    const first = await addMission(tree, 'run until told {{first}}');
    await untilMission(tree, first.id, (m) => m.status === 'running', 60_000, 'running');
    await until(
      () => w.anthropic.messageRequests().some((r) => JSON.stringify(r.body).includes('run until told')),
      'the agent at work',
      { timeoutMs: 60_000 },
    );
    const second = await addMission(tree, 'queued behind {{second}}');

    const pids = await tree.pids();
    const drained = await tree.cli(['drain', '--by', 'ana', '--reason', 'kernel update']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect(drained.stdout).toMatch(/this host: draining/);
    // The runner sees the mark while its mission runs, and holds on to the mission.
    await until(
      async () => {
        const state = await drainState(tree!).catch(() => undefined);
        return state?.drainSeen && state.mission === first.id;
      },
      'the runner saw the drain',
      { timeoutMs: 10_000 },
    );
    const again = await tree.cli(['drain']);
    expect(again.stdout).toMatch(/^already: this host draining since .* by ana \(kernel update\)/);

    writeFileSync(go, '');
    const done = await untilMission(tree, first.id, finished, 90_000, 'finished');
    expect(done.status, done.lastError).toBe('done');
    expect(done.attempts).toBe(1);

    const exiting = tree;
    await until(
      () => exiting.process.exitCode !== null || exiting.process.signalCode !== null,
      'the supervisor exited',
      {
        timeoutMs: 60_000,
        detail: () => exiting.output().slice(-3000),
      },
    );
    expect((await tree.process).exitCode, tree.output().slice(-3000)).toBe(0);
    expect(tree.output()).toMatch(
      /this host drained by ana \(kernel update\): every runner is idle; stopping the tree/,
    );
    await until(() => pids.every((pid) => !isAlive(pid)), 'the tree’s processes gone', { timeoutMs: 10_000 });
    expect(leftBehind(stateDir)).toEqual([]);
    await tree.bus.nc.close().catch(() => undefined);

    // Started again on the same state dir: the host left, so the runner is held.
    tree = await TestTree.start({ config: w.config(), env: w.env, stateDir });
    await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
    await until(
      async () => {
        const state = await drainState(tree!).catch(() => undefined);
        return state?.drainSeen && state.state === 'paused';
      },
      'the restarted runner held by the drain',
      { timeoutMs: 20_000 },
    );
    expect((await getMission(tree, second.id)).status).toBe('pending');
    const shown = await tree.cli(['status']);
    expect(shown.stdout).toMatch(
      /^drain {6}this host drained by ana \(kernel update\): left at .*; its runners claim nothing until the drain is undone$/m,
    );
    expect(tree.process.exitCode).toBeNull();

    const undone = await tree.cli(['drain', '--undo']);
    expect(undone.exitCode, undone.stderr).toBe(0);
    expect(undone.stdout).toMatch(
      /this host: drain undone \(it was drained by ana\); its runners claim again\. Its supervisor had left/,
    );
    const secondDone = await untilMission(tree, second.id, finished, 90_000, 'finished after the undo');
    expect(secondDone.status, secondDone.lastError).toBe('done');
    expect(secondDone.attempts).toBe(1);
    expect((await getMission(tree, first.id)).attempts).toBe(1);

    const noMore = await tree.cli(['drain', '--undo']);
    expect(noMore.exitCode).toBe(64);
    expect(noMore.stderr).toMatch(/this host is not drained; nothing to undo/);

    const stopped = await tree.stop();
    tree = undefined;
    expect(stopped.exitCode).toBe(0);
  });
});
