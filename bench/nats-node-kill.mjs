// Issue 13's fail-over target (docs/scale-out.md): the time from SIGKILL of one node of a 3-node
// JetStream cluster to the next successful mission claim, through a real MissionStore on an R3
// missions bucket. Rounds alternate killing the bucket stream's leader (a new leader must be
// elected before any write lands) and a follower (writes should barely notice). The killed
// node is restarted on its store and the cluster settles before the next round.
//
//   node bench/nats-node-kill.mjs   (after `npm run build`; BENCH_KILL_ROUNDS per timeout, default 6;
//                                    BENCH_JS_TIMEOUTS, the nats.jetstreamTimeout values to try in
//                                    ms, default "5000,2500": the client's default and a shorter one)
//
// Target: every recovery <= 10 s (NATS elects a stream leader in a few seconds). A write sent to
// a leader that just died is given up only after the JetStream timeout, so the figure moves in
// steps of it; each timeout gets its own bus and rounds. Also printed: the claim latency with
// all nodes up, measured in the same run, as the floor.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchCluster } from './cluster.mjs';
import {
  benchMissionSettings,
  environment,
  fmt,
  main,
  median,
  onCleanup,
  passMiss,
  ROOT,
  sleep,
  table,
} from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_KILL_ROUNDS ?? 6);
const JS_TIMEOUTS = (process.env.BENCH_JS_TIMEOUTS ?? '5000,2500').split(',').map(Number);
const TARGET_MS = 10_000;

const dist = (path) => import(join(ROOT, 'dist', 'src', path));
const { Bus } = await dist('bus/index.js');
const { MissionStore } = await dist('missions/store.js');
const { silentLogger } = await dist('log.js');

let added = 0;
/** A pending mission the store has seen, so the next claim has something to take. */
async function queueOne(store) {
  const mission = await store.add({ text: `mission ${++added}: fix the login test`, source: 'cli' });
  for (const deadline = Date.now() + 10_000; !store.get(mission.id); await sleep(10))
    if (Date.now() > deadline) throw new Error('the store did not see its own mission');
}

/** Claims until one succeeds; the ms it took. Failures (no leader yet, reconnecting) are retried. */
async function claimUntilDone(store, runner) {
  const t0 = performance.now();
  for (;;) {
    try {
      if (await store.claim(runner)) return performance.now() - t0;
    } catch {
      // no stream leader yet, or the connection is moving to another node
    }
    if (performance.now() - t0 > 120_000) throw new Error('no claim succeeded within 120 s of the kill');
    await sleep(50);
  }
}

/** Waits until the missions bucket's stream has a leader and every replica is current. */
async function settled(jsm, stream) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
    try {
      const { cluster } = await jsm.streams.info(stream);
      if (cluster?.leader && (cluster.replicas ?? []).length === 2 && cluster.replicas.every((r) => r.current))
        return cluster.leader;
    } catch {
      // leader election under way
    }
  }
  throw new Error(`${stream} did not settle with 3 current replicas within 60 s`);
}

await main('nats-node-kill', async () => {
  console.log(`nats-node-kill: ${environment()}`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-kill-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = await startBenchCluster(dir);
  const verdicts = [];
  for (const jetstreamTimeout of JS_TIMEOUTS) verdicts.push(await killRounds(cluster, jetstreamTimeout));
  for (const line of verdicts) console.log(line);
});

/** ROUNDS node kills with a bus whose JetStream timeout is `jetstreamTimeout` ms; the verdict line. */
async function killRounds(cluster, jetstreamTimeout) {
  const bus = await Bus.connect({
    url: cluster.url,
    name: 'bench-node-kill',
    prefix: 'roshi',
    logger: silentLogger(),
    replicas: 3,
    requestTimeoutMs: 2_000,
    jetstreamTimeout,
  });
  const store = await MissionStore.open(bus, benchMissionSettings(['app']));
  const jsm = await bus.jetstreamManager();
  const stream = `KV_${bus.subjects.missionsBucket}`;
  const floor = [];
  const recoveries = { leader: [], follower: [] };
  const rows = [['round', 'node killed', 'kill → claim (ms)', 'of 10 s', '']];
  try {
    for (let i = 0; i < 10; i++) {
      await queueOne(store);
      floor.push(await claimUntilDone(store, 'runner-1'));
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const leader = await settled(jsm, stream);
      const role = round % 2 ? 'leader' : 'follower';
      const victim = role === 'leader' ? leader : cluster.nodes.map((n) => n.name).find((n) => n !== leader);
      await queueOne(store);
      await cluster.kill(victim);
      const ms = await claimUntilDone(store, 'runner-1');
      recoveries[role].push(ms);
      rows.push([round, `${victim} (${role})`, fmt(ms, 0), fmt(ms / TARGET_MS), passMiss(ms <= TARGET_MS)]);
      await cluster.restart(victim);
    }
  } finally {
    store.close();
    await bus.drain().catch(() => undefined);
  }
  console.log(`\nnats-node-kill: nats.jetstreamTimeout ${jetstreamTimeout} ms`);
  console.log(`nats-node-kill: claim with every node up: median ${fmt(median(floor), 1)} ms (the floor)`);
  console.log(table(rows));
  const worst = Math.max(...recoveries.leader, ...recoveries.follower);
  return `nats-node-kill: jetstreamTimeout ${jetstreamTimeout} ms: median leader kill ${fmt(median(recoveries.leader), 0)} ms, follower kill ${fmt(median(recoveries.follower), 0)} ms; worst ${fmt(worst, 0)} ms = ${fmt(worst / TARGET_MS)}x the 10 s target ${passMiss(worst <= TARGET_MS)}`;
}
