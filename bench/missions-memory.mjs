// Memory of an actor's mission index with 100,000 finished missions in the bucket against none,
// measured in the same run on one nats-server: each side is a fresh Node process that opens the
// store (the index every runner, the missions actor and chat build), collects garbage and
// reports its heap and RSS. Both buckets hold the same 20 pending missions. The finished ones
// are written straight to the bucket (no retention runs here). docs/missions.md#retention
//
//   node bench/missions-memory.mjs   (after `npm run build`; BENCH_FINISHED=… to change 100,000,
//                                     BENCH_SETTLE_S=… the idle seconds before measuring, 15)
//
// Target: heap and RSS with the finished missions within 1.1× of those without, after the
// settle. Each side runs with the malloc setting the supervisor gives actors (MALLOC_ARENA_MAX).
// Reported, never a test assertion.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchMissionSettings,
  environment,
  fmt,
  main,
  onCleanup,
  PACKAGE_ROOT,
  passMiss,
  sleep,
  startConfiguredNats,
  table,
} from './lib.mjs';

const FINISHED = Number(process.env.BENCH_FINISHED ?? 100_000);
const PENDING = 20;
const TARGET = 1.1;
const DAY = 86_400_000;
/** Seconds a child idles (collecting each second) before it reports: V8 shrinks its heap after ~10 s. */
const SETTLE_ROUNDS = Number(process.env.BENCH_SETTLE_S ?? 15);

const dist = (path) => import(join(PACKAGE_ROOT, 'dist', 'src', path));
const { Bus, JsonKv } = await dist('bus/index.js');
const { MissionStore } = await dist('missions/store.js');
const { silentLogger } = await dist('log.js');
const { ACTOR_MALLOC_ENV } = await dist('supervisor/processes.js');

const settings = benchMissionSettings();

/** A mission record with an 11-character base-36 id; finished ones carry a result like real runs. */
function record(n, status, at) {
  const id = (36 ** 10 + n).toString(36).padStart(11, '0');
  const finished = status !== 'pending';
  return {
    id,
    text: `mission ${n}: fix the flaky login test in the api package and open a PR`,
    project: 'app',
    kind: 'free',
    source: 'cli',
    status,
    order: n,
    attempts: finished ? 1 : 0,
    transientAttempts: 0,
    maxAttempts: 3,
    maxTransientAttempts: 6,
    createdAt: at - 60_000,
    updatedAt: at,
    ...(finished
      ? {
          startedAt: at - 50_000,
          finishedAt: at,
          result: { summary: 'fixed the race in the login test; PR opened', prUrl: 'https://github.com/o/r/pull/1' },
        }
      : {}),
  };
}

/** The child: open the store on `prefix`, settle, report memory as one JSON line. */
async function measure(url, prefix) {
  const bus = await Bus.connect({ url, name: `bench-memory-${prefix}`, prefix, logger: silentLogger() });
  const t0 = performance.now();
  const store = await MissionStore.open(bus, settings);
  const loadMs = performance.now() - t0;
  // Settle as a running actor would: the load's garbage grows V8's heap, which V8 shrinks only
  // after some idle seconds (its memory reducer), so RSS right after the load is the peak, below.
  const peakRss = process.memoryUsage().rss;
  for (let i = 0; i < SETTLE_ROUNDS; i++) {
    global.gc();
    await sleep(1000);
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  const counts = store.counts();
  store.close();
  await bus.drain();
  console.log(JSON.stringify({ rss, heapUsed, heapTotal, external, peakRss, loadMs, counts }));
}

async function fill(bus, finished) {
  const kv = await JsonKv.open(bus, bus.subjects.missionsBucket);
  const now = Date.now();
  const writes = [];
  for (let n = 0; n < finished; n++) {
    writes.push(
      kv.put(
        record(n, n % 10 === 0 ? 'failed' : 'done', now - DAY + n).id,
        record(n, n % 10 === 0 ? 'failed' : 'done', now - DAY + n),
      ),
    );
    if (writes.length >= 1000) await Promise.all(writes.splice(0));
  }
  for (let n = finished; n < finished + PENDING; n++)
    writes.push(kv.put(record(n, 'pending', now).id, record(n, 'pending', now)));
  await Promise.all(writes);
}

function child(url, prefix) {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'measure', url, prefix], {
    encoding: 'utf8',
    // The malloc setting the supervisor gives its actors (src/supervisor/processes.ts).
    env: { ...ACTOR_MALLOC_ENV, ...process.env },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

if (process.argv[2] === 'measure') {
  await measure(process.argv[3], process.argv[4]);
  process.exit(0);
}

await main('missions-memory', async () => {
  console.log(`missions-memory: ${environment()}`);
  console.log(`missions-memory: ${FINISHED} finished + ${PENDING} pending against ${PENDING} pending`);
  const storeDir = mkdtempSync(join(tmpdir(), 'roshi-bench-memory-'));
  onCleanup(() => rmSync(storeDir, { recursive: true, force: true }));
  const url = await startConfiguredNats(storeDir);
  const bus = await Bus.connect({ url, name: 'bench-memory', prefix: 'full', logger: silentLogger() });
  onCleanup(() => bus.drain());
  const empty = await Bus.connect({ url, name: 'bench-memory-empty', prefix: 'empty', logger: silentLogger() });
  onCleanup(() => empty.drain());
  const t0 = performance.now();
  await fill(bus, FINISHED);
  await fill(empty, 0);
  console.log(`missions-memory: bucket filled in ${fmt((performance.now() - t0) / 1000, 1)} s`);

  // Interleaved, twice each, so drift on the machine falls on both sides; the lower of each is kept.
  const runs = { empty: [], full: [] };
  for (let i = 0; i < 2; i++) {
    runs.empty.push(child(url, 'empty'));
    runs.full.push(child(url, 'full'));
  }
  const best = (side, key) => Math.min(...runs[side].map((r) => r[key]));
  const mb = (bytes) => fmt(bytes / 1024 / 1024, 1);
  const rows = [['', 'heap MB', 'RSS MB', 'RSS peak MB', 'load ms', 'counted']];
  for (const side of ['empty', 'full']) {
    const c = runs[side][0].counts;
    rows.push([
      side === 'empty' ? `${PENDING} pending` : `+${FINISHED} finished`,
      mb(best(side, 'heapUsed')),
      mb(best(side, 'rss')),
      mb(best(side, 'peakRss')),
      fmt(best(side, 'loadMs'), 0),
      `${c.pending} pending, ${c.done + c.failed} finished`,
    ]);
  }
  console.log(table(rows));
  const heap = best('full', 'heapUsed') / best('empty', 'heapUsed');
  const rss = best('full', 'rss') / best('empty', 'rss');
  console.log(`missions-memory: heap ratio ${fmt(heap, 3)}× (target ≤ ${TARGET}×) ${passMiss(heap <= TARGET)}`);
  console.log(`missions-memory: RSS ratio ${fmt(rss, 3)}× (target ≤ ${TARGET}×) ${passMiss(rss <= TARGET)}`);
});
