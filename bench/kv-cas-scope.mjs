// What the `stream` compare-and-set scope costs (docs/scale-out.md#compare-and-set-scope): mission
// claims per second through real MissionStores on one nats-server (embedded-style), with each
// bucket's writes in the `subject` scope (the limit: one request per write) and in the `stream`
// scope (a stream-info and a key read from the leader before each write, and a write lost to
// another key retried). Rounds alternate the two, so both share the machine's noise.
//
//   node bench/kv-cas-scope.mjs   (after `npm run build`; BENCH_CAS_MISSIONS, BENCH_CAS_ROUNDS)
//
// Two loads: one claimer alone, and 3 stores x 2 claimers racing for the same queue. Target (one
// claimer): stream scope >= 0.3x subject-scope claims/s, three requests per write instead of one
// less 10%. Racing adds retries of writes lost to other keys: reported, no target.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchMissionSettings,
  environment,
  fmt,
  main,
  median,
  onCleanup,
  passMiss,
  ROOT,
  startConfiguredNats,
  table,
} from './lib.mjs';

const MISSIONS = Number(process.env.BENCH_CAS_MISSIONS ?? 300);
const ROUNDS = Number(process.env.BENCH_CAS_ROUNDS ?? 3);
const TARGET = 0.3;

const dist = (path) => import(join(ROOT, 'dist', 'src', path));
const { Bus } = await dist('bus/index.js');
const { forceCasScope } = await dist('bus/casScope.js');
const { MissionStore } = await dist('missions/store.js');
const { silentLogger } = await dist('log.js');

const settings = benchMissionSettings(['app']);
let prefixes = 0;

/** Claims/s of `claimers` (per store) on `stores` stores sharing one fresh bucket in `scope`. */
async function claimRate(url, scope, stores, claimers) {
  forceCasScope(scope);
  const prefix = `cas${++prefixes}`;
  const buses = [];
  const opened = [];
  try {
    for (let i = 0; i < stores; i++) {
      const bus = await Bus.connect({ url, name: `bench-cas-${i}`, prefix, logger: silentLogger() });
      buses.push(bus);
      opened.push(await MissionStore.open(bus, settings));
    }
    for (let i = 0; i < MISSIONS; i++) await opened[0].add({ text: `mission ${i}: fix the login test`, source: 'cli' });
    for (const deadline = Date.now() + 30_000; !opened.every((s) => s.size === MISSIONS); ) {
      if (Date.now() > deadline) throw new Error('the stores did not load the missions');
      await new Promise((r) => setTimeout(r, 10));
    }
    let claimed = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      opened.flatMap((store, s) =>
        Array.from({ length: claimers }, async (_, r) => {
          while (await store.claim(`s${s}-r${r}`)) claimed++;
        }),
      ),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (claimed !== MISSIONS) throw new Error(`${claimed} claims of ${MISSIONS} missions in the ${scope} scope`);
    return claimed / seconds;
  } finally {
    forceCasScope(undefined);
    for (const store of opened) store.close();
    for (const bus of buses) await bus.drain().catch(() => undefined);
  }
}

await main('kv-cas-scope', async () => {
  console.log(`kv-cas-scope: ${environment()}`);
  console.log(`kv-cas-scope: ${MISSIONS} missions per run, ${ROUNDS} rounds per scope and load`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-cas-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const url = await startConfiguredNats(dir);

  const loads = [
    { name: '1 claimer', stores: 1, claimers: 1, target: TARGET },
    { name: '3 stores x 2 claimers racing', stores: 3, claimers: 2 },
  ];
  const rows = [['load', 'subject claims/s', 'stream claims/s', 'stream/subject', 'target', '']];
  let allPass = true;
  for (const load of loads) {
    const rates = { subject: [], stream: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? ['stream', 'subject'] : ['subject', 'stream'];
      for (const scope of order) rates[scope].push(await claimRate(url, scope, load.stores, load.claimers));
    }
    const subject = median(rates.subject);
    const stream = median(rates.stream);
    const ratio = stream / subject;
    if (load.target === undefined) {
      rows.push([load.name, fmt(subject, 0), fmt(stream, 0), fmt(ratio), '-', '']);
      continue;
    }
    allPass &&= ratio >= load.target;
    rows.push([
      load.name,
      fmt(subject, 0),
      fmt(stream, 0),
      fmt(ratio),
      `>= ${fmt(load.target)}`,
      passMiss(ratio >= load.target),
    ]);
  }
  console.log(table(rows));
  console.log(`kv-cas-scope: ${passMiss(allPass)}`);
});
