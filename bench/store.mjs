// The mission store at 10,000 missions against a real nats-server: add, claim, list and the
// missions.md render, each as p50/p99, with the bare KV operation underneath as the physical
// limit measured in the same run (add is one KV create, a claim one KV update).
//
//   node bench/store.mjs            (after `npm run build`; BENCH_STORE_COUNT=… to change 10,000)
//
// Targets: add and claim p50 < 10 ms, render p50 < 300 ms. Reported, never a test assertion.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchMissionSettings,
  environment,
  fmt,
  main,
  mean,
  onCleanup,
  passMiss,
  percentile,
  ROOT,
  startConfiguredNats,
  table,
} from './lib.mjs';

const COUNT = Number(process.env.BENCH_STORE_COUNT ?? 10_000);
const CLAIMS = Math.min(COUNT, Number(process.env.BENCH_STORE_CLAIMS ?? 2_000));
const RAW = 1_000;
const LISTS = 50;
const RENDERS = 20;
const TARGET = { add: 10, claim: 10, render: 300 };

const dist = (path) => import(join(ROOT, 'dist', 'src', path));
const { Bus, JsonKv, registerService } = await dist('bus/index.js');
const { MissionStore } = await dist('missions/store.js');
const { missionEndpoints } = await dist('missions/service.js');
const { renderMissionsFile } = await dist('missions/render.js');
const { silentLogger } = await dist('log.js');

const settings = benchMissionSettings(['app', 'lib']);

const stats = (v) => ({
  n: v.length,
  p50: percentile(v, 50),
  p99: percentile(v, 99),
  mean: mean(v),
  max: Math.max(...v),
});
const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const row = (name, s) => [name, s.n, fmt(s.p50, 3), fmt(s.p99, 3), fmt(s.mean, 3), fmt(s.max, 3)];

await main('store', async () => {
  console.log(`store: ${environment()}`);
  console.log(`store: ${COUNT} missions, ${CLAIMS} claims`);

  const storeDir = mkdtempSync(join(tmpdir(), 'roshi-bench-store-'));
  onCleanup(() => rmSync(storeDir, { recursive: true, force: true }));
  const url = await startConfiguredNats(storeDir);
  const bus = await Bus.connect({ url, name: 'bench-store', prefix: 'bench', logger: silentLogger() });
  onCleanup(() => bus.drain());
  const store = await MissionStore.open(bus, settings);
  onCleanup(() => store.close());

  // The physical limit: the same KV operations without the store around them, in their own bucket.
  const raw = await JsonKv.open(bus, 'bench_raw');
  const sample = {
    id: 'x',
    text: 'fix the flaky login test in the api package',
    project: 'app',
    kind: 'free',
    source: 'cli',
    status: 'pending',
    order: 1,
    attempts: 0,
    transientAttempts: 0,
    maxAttempts: 3,
    maxTransientAttempts: 6,
    createdAt: Date.now(),
    updatedAt: Date.now(),
  };
  const rawCreate = [];
  const rawUpdate = [];
  for (let i = 0; i < RAW; i++) {
    let revision = 0;
    rawCreate.push(await time(async () => void (revision = await raw.create(`k${i}`, { ...sample, id: `k${i}` }))));
    rawUpdate.push(await time(() => raw.update(`k${i}`, { ...sample, id: `k${i}`, status: 'running' }, revision)));
  }

  // add: a mix of free text and de-duplicated commands, like real intake.
  const adds = [];
  for (let i = 0; i < COUNT; i++) {
    const text =
      i % 4 === 0
        ? `[project:lib] /review https://github.com/o/r/pull/${i}`
        : `mission ${i}: fix the flaky login test in the api package`;
    adds.push(await time(() => store.add({ text, source: 'cli', by: 'bench' })));
  }

  // The index a second process builds from the bucket at start.
  let other;
  const load = await time(async () => void (other = await MissionStore.open(bus, settings)));
  other.close();

  // list: the whole index, sorted for display (in memory), and the list request a client makes.
  await registerService(bus, {
    name: 'bench-missions',
    version: '0.0.0',
    description: 'bench',
    endpoints: missionEndpoints(store, bus.subjects),
  });
  const lists = [];
  const requests = [];
  for (let i = 0; i < LISTS; i++) {
    lists.push(await time(() => store.list()));
    requests.push(await time(() => bus.request(bus.subjects.missions('list'), {})));
  }

  // render: missions.md from all of them (done and failed bounded by keepDone/keepFailed).
  const renders = [];
  let bytes = 0;
  for (let i = 0; i < RENDERS; i++) {
    renders.push(
      await time(
        () => void (bytes = renderMissionsFile(store.list(), { now: Date.now(), keepDone: 20, keepFailed: 20 }).length),
      ),
    );
  }

  // claim: the head of a 10,000-mission queue, one runner after another.
  const claims = [];
  for (let i = 0; i < CLAIMS; i++) claims.push(await time(() => store.claim(`runner-${(i % 4) + 1}`)));

  const s = {
    add: stats(adds),
    claim: stats(claims),
    list: stats(lists),
    request: stats(requests),
    render: stats(renders),
    create: stats(rawCreate),
    update: stats(rawUpdate),
  };
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'max ms'],
      row('add (store)', s.add),
      row('  KV create (raw)', s.create),
      row('claim (store)', s.claim),
      row('  KV update (raw)', s.update),
      row(`list ${COUNT} (index)`, s.list),
      row('list request (200)', s.request),
      row(`render ${COUNT}`, s.render),
    ]),
  );
  console.log('');
  console.log(`store: index load of ${other.size} missions at start ${fmt(load, 1)} ms; missions.md ${bytes} bytes`);
  console.log(
    `store: add p50 ${fmt(s.add.p50, 3)} ms, ${fmt(s.add.p50 / s.create.p50)}× a bare KV create (target < ${TARGET.add} ms) ${passMiss(s.add.p50 < TARGET.add)}`,
  );
  console.log(
    `store: claim p50 ${fmt(s.claim.p50, 3)} ms, ${fmt(s.claim.p50 / s.update.p50)}× a bare KV update (target < ${TARGET.claim} ms) ${passMiss(s.claim.p50 < TARGET.claim)}`,
  );
  console.log(
    `store: render p50 ${fmt(s.render.p50, 1)} ms, p99 ${fmt(s.render.p99, 1)} ms at ${COUNT} missions (target < ${TARGET.render} ms) ${passMiss(s.render.p50 < TARGET.render)}`,
  );
  console.log(
    `store: list p50 ${fmt(s.list.p50, 2)} ms in memory, ${fmt(s.request.p50, 2)} ms as a request (reported, not judged)`,
  );
});
