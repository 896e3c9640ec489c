// Mission overhead: a trivial mission through roshi (roshi.missions.add → its 'finished' event)
// against the same CLI run by hand (roshi's argv and rendered prompt, same environment and
// scripted API, a plain clone) plus `git add -A && git commit && git push`, timed apart. Runs
// alternate which side goes first; afterwards roshi's own git steps and the prompt render are
// timed in this process, to show where the extra time goes. Setup and method:
// docs/performance.md#missions-dispatch-latency-and-per-mission-overhead
//
//   node bench/mission-overhead.mjs        (after `npm run build`; BENCH_OVERHEAD_RUNS=… for ≠ 5)
//
// Target: roshi median ≤ 1.3 × (direct agent + git push) median.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { environment, fmt, main, median, passMiss, PACKAGE_ROOT, table, Tree } from './lib.mjs';
import {
  addMission,
  createMissionWorld,
  gitSync,
  GIT_ENV,
  missionPhases,
  MissionWatcher,
  renderedPrompt,
  runnerLog,
  shTimed,
  waitRunnerIdle,
} from './missionWorld.mjs';

const RUNS = Number(process.env.BENCH_OVERHEAD_RUNS ?? 5);
const COMPONENT_RUNS = 5;
const TARGET = 1.3;
const MISSION_TIMEOUT_MS = 120_000;

const dist = (path) => import(join(PACKAGE_ROOT, 'dist', 'src', path));

await main('mission-overhead', async () => {
  console.log(`mission-overhead: ${environment()}`);
  const world = await createMissionWorld();
  const tree = await Tree.start(world.config(), { env: world.treeEnv });
  await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
  const watcher = new MissionWatcher(tree);

  let seq = 0;
  const roshi = { wall: [], claimed: [], init: [], runs: [] };
  const direct = { agent: [], init: [], push: [], total: [] };

  const roshiRun = async (record) => {
    await waitRunnerIdle(tree);
    const tag = `r${++seq}`;
    const added = await addMission(tree, `write the file bench-file-${tag}`);
    const id = added.mission.id;
    const end = await watcher.waitForEvent(id, ['finished', 'failed', 'cancelled'], MISSION_TIMEOUT_MS, 'mission end');
    const wall = end.t - added.t0;
    const result = end.event.result ?? {};
    if (end.event.status !== 'done')
      throw new Error(`mission ${id} ended ${end.event.status}: ${result.error ?? end.event.reason ?? ''}`);
    const pushStep = result.steps?.find((s) => s.step === 'push');
    if (!pushStep?.ok || pushStep.skipped) throw new Error(`mission ${id}: push step ${JSON.stringify(pushStep)}`);
    if (!world.remoteBranches().includes(result.branch))
      throw new Error(`mission ${id}: branch ${result.branch} not on the remote`);
    if (!record) return;
    roshi.wall.push(wall);
    roshi.claimed.push(watcher.event(id, 'claimed').t - added.t0);
    roshi.init.push(watcher.firstProgress(id, 'init').t - added.t0);
    roshi.runs.push({ id, addWall: added.wall, endWall: end.wall });
  };

  const directRun = async (record) => {
    const branch = world.resetDirect();
    const tag = `x${++seq}`;
    const run = await world.runDirect(renderedPrompt(`write the file bench-file-${tag}`, branch));
    if (!existsSync(join(world.direct, `bench-${tag}.txt`)))
      throw new Error(`direct run: bench-${tag}.txt was not written`);
    const pushMs = await shTimed(
      world.direct,
      `git add -A && git commit -q -m 'bench: write bench-${tag}.txt' && git push -q origin HEAD`,
    );
    if (!world.remoteBranches().includes(branch)) throw new Error(`direct run: ${branch} not on the remote`);
    if (!record) return;
    direct.agent.push(run.exitMs);
    direct.init.push(run.initMs);
    direct.push.push(pushMs);
    direct.total.push(run.exitMs + pushMs);
  };

  // Warm-up: the CLI's first start in a fresh HOME, the runner's first fetch, JIT everywhere.
  await roshiRun(false);
  await directRun(false);
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? [directRun, roshiRun] : [roshiRun, directRun];
    for (const step of order) await step(true);
  }

  // Where roshi's time went, per mission: the bench's own clock for the add and the 'finished'
  // event, the runner's log for the rest (all Date.now(), ms resolution, same machine).
  const lines = runnerLog(tree.stateDir);
  const seg = { claim: [], workspace: [], agent: [], commitPush: [], after: [] };
  for (const { id, addWall, endWall } of roshi.runs) {
    const p = missionPhases(lines, id);
    seg.claim.push(p.claimed - addWall);
    seg.workspace.push(p.agentStarted - p.claimed);
    seg.agent.push(p.agentFinished - p.agentStarted);
    seg.commitPush.push(p.push - p.agentFinished);
    seg.after.push(endWall - p.push);
  }
  watcher.stop();
  await tree.stop();

  // The product's own steps, timed here on a third clone with the tree stopped.
  const components = await timeComponents(world);

  const m = (v) => median(v.filter(Number.isFinite));
  const baseline = m(direct.total);
  const ratio = m(roshi.wall) / baseline;
  const ms = (v) => fmt(m(v), 1);
  const list = (v) => v.map((x) => fmt(x, 0)).join(' ');
  console.log('');
  console.log(
    table([
      ['', 'median ms', 'runs ms'],
      ['roshi: add → finished', ms(roshi.wall), list(roshi.wall)],
      ["  add → 'claimed' event", ms(roshi.claimed), list(roshi.claimed)],
      ["  add → 'init' progress", ms(roshi.init), list(roshi.init)],
      ['  add → claimed (log)', ms(seg.claim), list(seg.claim)],
      ['  claimed → agent started (log)', ms(seg.workspace), list(seg.workspace)],
      ['  agent started → agent finished (log)', ms(seg.agent), list(seg.agent)],
      ['  agent finished → pushed (log)', ms(seg.commitPush), list(seg.commitPush)],
      ["  pushed → 'finished' event", ms(seg.after), list(seg.after)],
      ['direct: agent + git push', ms(direct.total), list(direct.total)],
      ['  agent spawn → exit', ms(direct.agent), list(direct.agent)],
      ['  agent spawn → init', ms(direct.init), list(direct.init)],
      ['  + git push (add, commit, push)', ms(direct.push), list(direct.push)],
    ]),
  );
  console.log('');
  console.log('the product steps, timed in this process (tree stopped):');
  console.log(
    table([
      ['', 'median ms', 'runs ms'],
      ...Object.entries(components).map(([name, v]) => {
        const digits = name.startsWith('prompt') ? 3 : 1;
        return [name, fmt(median(v), digits), v.map((x) => fmt(x, digits)).join(' ')];
      }),
    ]),
  );
  console.log('');
  const extra = m(roshi.wall) - baseline;
  console.log(
    `mission-overhead: roshi adds ${fmt(extra, 0)} ms per mission: claim ${ms(seg.claim)}, workspace ${ms(seg.workspace)}, agent ${fmt(m(seg.agent) - m(direct.agent), 0)} over direct, commit+push ${fmt(m(seg.commitPush) - m(direct.push), 0)} over direct, after push ${ms(seg.after)} (medians)`,
  );
  console.log(`mission-overhead: PR step skipped (no GitHub token in the tree), gates off`);
  console.log(
    `mission-overhead: ratio ${fmt(ratio)} (roshi ${fmt(m(roshi.wall), 0)} ms vs direct agent + git push ${fmt(baseline, 0)} ms; target ≤ ${TARGET}) ${passMiss(ratio <= TARGET)}`,
  );
});

/**
 * The git steps of a mission as roshi runs them (dist/src/adapters/git.js) and its prompt
 * render (dist/src/runner/prompts.js), on a third clone of the bare remote.
 */
async function timeComponents(world) {
  Object.assign(process.env, GIT_ENV);
  const git = await dist('adapters/git.js');
  const { promptFor } = await dist('runner/prompts.js');
  const probe = join(world.dir, 'probe');
  const workspace = join(world.dir, 'probe-ws');
  gitSync(world.dir, 'clone', '-q', world.bare, probe);
  const time = async (fn) => {
    const t0 = performance.now();
    const value = await fn();
    return { ms: performance.now() - t0, value };
  };
  const out = {
    'ensureRepo (rev-parse)': [],
    'prepareWorktree (fetch, prune, worktree add)': [],
    'commitLeftovers (add, diff, commit)': [],
    'push (+ checks the pipeline makes)': [],
    removeWorktree: [],
    'prompt render (promptFor)': [],
  };
  for (let i = 0; i < COMPONENT_RUNS; i++) {
    const repo = await time(() => git.ensureRepo({ name: 'app', path: probe, workspace }));
    out['ensureRepo (rev-parse)'].push(repo.ms);
    const branch = `probe/b${i}`;
    const wt = await time(() =>
      git.prepareWorktree({
        repo: probe,
        workspace,
        missionId: `probe${i}`,
        branch,
        baseBranch: 'main',
        remote: 'origin',
      }),
    );
    out['prepareWorktree (fetch, prune, worktree add)'].push(wt.ms);
    const mission = { id: `probe${i}`, text: `write the file bench-file-p${i}`, kind: 'free', project: 'app' };
    const render = await time(() => {
      for (let k = 0; k < 100; k++)
        promptFor(mission, { project: 'app', branch, baseBranch: 'main', remote: 'origin' }, workspace);
    });
    out['prompt render (promptFor)'].push(render.ms / 100);
    writeFileSync(join(wt.value.path, `probe-${i}.txt`), 'probe');
    const commit = await time(() =>
      git.commitLeftovers(wt.value.path, {
        message: `probe ${i}\n`,
        authorName: 'probe',
        authorEmail: 'probe@example.com',
      }),
    );
    out['commitLeftovers (add, diff, commit)'].push(commit.ms);
    const push = await time(async () => {
      const onRemote = await git.remoteBranchExists(wt.value.path, 'origin', branch);
      await git.commitsAhead(wt.value.path, onRemote ? `origin/${branch}` : 'origin/main');
      await git.push(wt.value.path, { remote: 'origin', branch });
    });
    out['push (+ checks the pipeline makes)'].push(push.ms);
    const remove = await time(() => git.removeWorktree(probe, wt.value.path));
    out['removeWorktree'].push(remove.ms);
  }
  return out;
}
