// JetStream write sync: mission add and claim latency on a server that syncs every write
// (`jetstream { sync_interval: always }`, nats-server 2.10+) against the same server with the
// default (flush every 2 min), in the same run, printed as a ratio
// (docs/operations.md#jetstream-durability).
//
// A nats-server older than 2.10 cannot sync per write (its config refuses the key, and 2.9 has
// no per-stream or per-message sync either): the bench says so, measures the unsynced side, and
// times fsync of a small write on the store's disk as the floor of what a synced write would add.
//
//   node bench/jetstream-sync.mjs      (after `npm run build`; BENCH_SYNC_COUNT=… for ≠ 500;
//                                       NATS_SERVER=/path/to/nats-server to use another binary)
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchMissionSettings,
  environment,
  fmt,
  main,
  onCleanup,
  percentile,
  ROOT,
  sleep,
  spawnMarked,
  stopChild,
  table,
} from './lib.mjs';

const COUNT = Number(process.env.BENCH_SYNC_COUNT ?? 500);
const FSYNCS = 200;

const dist = (path) => import(join(ROOT, 'dist', 'src', path));
const { Bus, findNatsServer, freePort, probePort } = await dist('bus/index.js');
const { natsServerConfig, natsServerVersionText } = await dist('bus/embedded-server.js');
const { parseNatsServerVersion, supportsSyncAlways } = await dist('bus/jetstreamSync.js');
const { MissionStore } = await dist('missions/store.js');
const { silentLogger } = await dist('log.js');

const settings = benchMissionSettings();

const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const p = (values, q) => percentile(values, q);

/** A nats-server with its store in a temp dir, synced or not, and a mission store on it. */
async function serverWithStore(binary, syncAlways) {
  const dir = mkdtempSync(join(tmpdir(), `roshi-bench-sync-${syncAlways ? 'always' : 'default'}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort('127.0.0.1');
  const configFile = join(dir, 'server.conf');
  const listen = `127.0.0.1:${port}`;
  writeFileSync(
    configFile,
    natsServerConfig({ listen, serverName: `bench_${port}`, storeDir: join(dir, 'js'), users: [], syncAlways }),
  );
  const server = spawnMarked(binary, ['-c', configFile]);
  onCleanup(() => stopChild(server));
  for (const deadline = Date.now() + 10_000; !(await probePort('127.0.0.1', port, 200)); await sleep(25)) {
    if (Date.now() > deadline) throw new Error(`nats-server (${syncAlways ? 'sync always' : 'default'}) did not start`);
  }
  const bus = await Bus.connect({
    url: `nats://${listen}`,
    name: 'bench-sync',
    prefix: 'bench',
    logger: silentLogger(),
  });
  onCleanup(() => bus.drain());
  const store = await MissionStore.open(bus, settings);
  onCleanup(() => store.close());
  return { store, dir };
}

/** add then claim, COUNT times each, interleaved across the stores so both share the machine's noise. */
async function measure(stores) {
  const results = stores.map(() => ({ add: [], claim: [] }));
  for (let i = 0; i < COUNT; i++) {
    for (const [k, { store }] of stores.entries()) {
      results[k].add.push(
        await time(() => store.add({ text: `mission ${i}: sync bench`, source: 'cli', by: 'bench' })),
      );
    }
  }
  for (let i = 0; i < COUNT; i++) {
    for (const [k, { store }] of stores.entries()) results[k].claim.push(await time(() => store.claim('runner-1')));
  }
  return results;
}

/** fsync of a 1 KiB append in `dir`: what the disk charges for one synced write, at least. */
function fsyncCost(dir) {
  const file = join(dir, 'fsync-probe');
  const fd = openSync(file, 'a');
  const buffer = Buffer.alloc(1024, 120);
  const samples = [];
  try {
    for (let i = 0; i < FSYNCS; i++) {
      writeSync(fd, buffer);
      const t0 = process.hrtime.bigint();
      fsyncSync(fd);
      samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
  }
  return samples;
}

await main('jetstream-sync', async () => {
  console.log(`jetstream-sync: ${environment()}`);
  const binary = process.env.NATS_SERVER || findNatsServer('');
  const version = parseNatsServerVersion(natsServerVersionText(binary));
  const canSync = supportsSyncAlways(version);
  console.log(
    `jetstream-sync: ${binary} reports ${version ? version.text : 'no version'}; ${COUNT} adds and claims each`,
  );

  const row = (name, values) => [name, values.length, fmt(p(values, 50), 3), fmt(p(values, 99), 3)];
  if (canSync) {
    const [synced, plain] = await measure([await serverWithStore(binary, true), await serverWithStore(binary, false)]);
    console.log('');
    console.log(
      table([
        ['', 'n', 'p50 ms', 'p99 ms'],
        row('add, sync always', synced.add),
        row('add, default', plain.add),
        row('claim, sync always', synced.claim),
        row('claim, default', plain.claim),
      ]),
    );
    console.log('');
    for (const op of ['add', 'claim']) {
      const ratio = p(synced[op], 50) / p(plain[op], 50);
      console.log(`jetstream-sync: ${op} p50 synced / unsynced = ${fmt(ratio)}×`);
    }
    return;
  }

  console.log(
    `jetstream-sync: nats-server ${version?.text ?? '(unknown)'} cannot sync every write — \`sync_interval: always\` needs 2.10+, ` +
      'and 2.9 has no per-stream or per-message sync. Measured: the unsynced side, and fsync on the store disk.',
  );
  const plainServer = await serverWithStore(binary, false);
  const [plain] = await measure([plainServer]);
  const fsyncs = fsyncCost(plainServer.dir);
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p99 ms'],
      row('add, default (unsynced)', plain.add),
      row('claim, default (unsynced)', plain.claim),
      row('fsync of a 1 KiB append', fsyncs),
    ]),
  );
  console.log('');
  for (const op of ['add', 'claim']) {
    const floor = (p(plain[op], 50) + p(fsyncs, 50)) / p(plain[op], 50);
    console.log(
      `jetstream-sync: ${op} synced / unsynced ratio NOT MEASURED (server cannot sync); ` +
        `floor estimate ${fmt(floor)}× (unsynced p50 + one fsync p50, each write syncing once)`,
    );
  }
});
