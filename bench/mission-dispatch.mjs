// Dispatch latency: roshi.missions.add → the 'claimed' event → the mission's first 'init'
// progress (the CLI printed system/init), against the same CLI (argv, prompt, environment,
// scripted API) spawned directly in a plain clone: spawn → system/init, and `claude --version`.
// One mission at a time, interleaved with the direct runs; then a few queued at once, to show
// how long a queued mission waits (reported). Setup and method:
// docs/performance.md#missions-dispatch-latency-and-per-mission-overhead
//
//   node bench/mission-dispatch.mjs        (after `npm run build`; BENCH_DISPATCH_COUNT=… for ≠ 10)
//
// Target (this benchmark's own choice): add→init p50 within 1.3× the direct spawn→init p50.
import { environment, fmt, main, mean, passMiss, percentile, table, Tree } from './lib.mjs';
import {
  addMission,
  createMissionWorld,
  missionPhases,
  MissionWatcher,
  renderedPrompt,
  runnerLog,
  waitRunnerIdle,
} from './missionWorld.mjs';

const COUNT = Number(process.env.BENCH_DISPATCH_COUNT ?? 10);
const QUEUED = 4;
const TARGET = Number(process.env.BENCH_DISPATCH_TARGET ?? 1.3);
const MISSION_TIMEOUT_MS = 90_000;

const stats = (v) => ({
  n: v.length,
  p50: percentile(v, 50),
  p99: percentile(v, 99),
  mean: mean(v),
  min: Math.min(...v),
  max: Math.max(...v),
});
const row = (name, v) => {
  const s = stats(v);
  return [name, s.n, fmt(s.p50, 1), fmt(s.p99, 1), fmt(s.mean, 1), fmt(s.min, 1), fmt(s.max, 1)];
};

await main('mission-dispatch', async () => {
  console.log(`mission-dispatch: ${environment()}`);
  const world = await createMissionWorld();
  const tree = await Tree.start(world.config(), { env: world.treeEnv });
  await tree.waitForRunning(['watchdog', 'missions', 'runner-1']);
  const watcher = new MissionWatcher(tree);

  const waitIdle = () => waitRunnerIdle(tree);

  let seq = 0;
  const samples = { reply: [], claimed: [], init: [], direct: [], version: [] };
  const ids = [];
  const roshi = async (record) => {
    await waitIdle();
    const tag = `d${++seq}`;
    const added = await addMission(tree, `write the file bench-file-${tag}`);
    const id = added.mission.id;
    const end = await watcher.waitForEvent(id, ['finished', 'failed', 'cancelled'], MISSION_TIMEOUT_MS, 'mission end');
    if (end.event.status !== 'done')
      throw new Error(`mission ${id} ended ${end.event.status}: ${end.event.result?.error ?? end.event.reason ?? ''}`);
    const claimed = watcher.event(id, 'claimed');
    const init = watcher.firstProgress(id, 'init');
    if (!claimed || !init)
      throw new Error(`mission ${id}: missing ${claimed ? '' : "'claimed' event "}${init ? '' : "'init' progress"}`);
    if (!record) return;
    ids.push({ id, wall: added.wall });
    samples.reply.push(added.replyMs);
    samples.claimed.push(claimed.t - added.t0);
    samples.init.push(init.t - added.t0);
  };
  const direct = async (record) => {
    const branch = world.resetDirect();
    const run = await world.runDirect(renderedPrompt(`write the file bench-file-x${++seq}`, branch));
    if (run.initMs === undefined) throw new Error('the direct run printed no system/init line');
    const version = await world.versionRun();
    if (!record) return;
    samples.direct.push(run.initMs);
    samples.version.push(version);
  };

  // Warm-up: the CLI's first start in a fresh HOME, the runner's first fetch, JIT everywhere.
  await roshi(false);
  await direct(false);
  for (let i = 0; i < COUNT; i++) {
    const order = i % 2 ? [direct, roshi] : [roshi, direct];
    for (const step of order) await step(true);
  }

  // Queued: several missions added at once while the runner is idle; each one after the first
  // waits for the one before it. How long from the previous 'finished' to the next 'claimed'?
  await waitIdle();
  const queued = [];
  for (let i = 0; i < QUEUED; i++)
    queued.push((await addMission(tree, `write the file bench-file-q${++seq}`)).mission.id);
  for (const id of queued) {
    const end = await watcher.waitForEvent(
      id,
      ['finished', 'failed', 'cancelled'],
      MISSION_TIMEOUT_MS,
      'queued mission end',
    );
    if (end.event.status !== 'done') throw new Error(`queued mission ${id} ended ${end.event.status}`);
  }
  const gaps = [];
  for (let i = 1; i < queued.length; i++)
    gaps.push(watcher.event(queued[i], 'claimed').t - watcher.event(queued[i - 1], 'finished').t);

  // Where the time between claim and init goes, from the runner's log (ms resolution).
  const lines = runnerLog(tree.stateDir);
  const phases = ids.map(({ id }) => missionPhases(lines, id));
  const workspace = phases.map((p) => p.agentStarted - p.claimed).filter(Number.isFinite);
  const cliStart = ids
    .map(({ id }, i) => watcher.firstProgress(id, 'init').wall - phases[i].agentStarted)
    .filter(Number.isFinite);

  const r = stats(samples.init);
  const d = stats(samples.direct);
  const ratio = (k) => r[k] / d[k];
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'min ms', 'max ms'],
      row('roshi add → reply', samples.reply),
      row("roshi add → 'claimed' event", samples.claimed),
      row("roshi add → 'init' progress", samples.init),
      row('  claimed → agent started (log)', workspace),
      row('  agent started → init (log)', cliStart),
      row('direct spawn → init', samples.direct),
      row('claude --version spawn → exit', samples.version),
      row('queued: finished → next claimed', gaps),
    ]),
  );
  console.log('');
  console.log(
    `mission-dispatch: claim p50 ${fmt(stats(samples.claimed).p50, 1)} ms, workspace+spawn p50 ${fmt(percentile(workspace, 50), 1)} ms, CLI start-up in roshi p50 ${fmt(percentile(cliStart, 50), 1)} ms vs direct ${fmt(d.p50, 1)} ms (bare --version ${fmt(percentile(samples.version, 50), 1)} ms)`,
  );
  const late = samples.claimed.filter((ms) => ms > 1_000).length;
  console.log(
    `mission-dispatch: ${late} of ${samples.claimed.length} missions added to an idle runner were claimed only by its next poll (> 1 s after the add), not by the 'added' event`,
  );
  console.log(
    `mission-dispatch: a queued mission waits p50 ${fmt(percentile(gaps, 50), 1)} ms after the previous one finished (runner.pollInterval; reported, not judged)`,
  );
  console.log(
    `mission-dispatch: p99 ratio ${fmt(ratio('p99'))} (${fmt(r.p99, 1)} ms vs ${fmt(d.p99, 1)} ms; reported, not judged)`,
  );
  console.log(
    `mission-dispatch: ratio ${fmt(ratio('p50'))} (add→init p50 ${fmt(r.p50, 1)} ms vs direct spawn→init p50 ${fmt(d.p50, 1)} ms; target ≤ ${TARGET}) ${passMiss(ratio('p50') <= TARGET)}`,
  );
  watcher.stop();
});
