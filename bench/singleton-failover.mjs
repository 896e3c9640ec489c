// Issue 13's singleton target (docs/scale-out.md#singleton-leases): the time from SIGKILL of the
// process holding a singleton's lease to the standby's first work, against 2 × supervision.leaseTtl.
// Two bridge actors of hosts h1 and h2 (from dist/, each with its own config and host.id) share
// one nats-server; the work is an outbox notification published right at the kill, and the
// first work is its line on the console provider (roshi.bridge.console). Each round kills the
// active one and starts that host's actor again (in standby, as its supervisor would).
//
//   node bench/singleton-failover.mjs   (after `npm run build`; BENCH_FAILOVER_ROUNDS, default 4;
//                                        BENCH_LEASE_TTL_MS, default 15000, the shipped leaseTtl)
//
// Also printed, measured in the same run: the same notification's latency with the holder
// alive (the floor: what a hand-over costs beyond it is the lease wait and the bridge's start).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  environment,
  fmt,
  main,
  MAIN,
  median,
  onCleanup,
  passMiss,
  ROOT,
  sleep,
  spawnMarked,
  startConfiguredNats,
  stopChild,
  table,
} from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_FAILOVER_ROUNDS ?? 4);
const TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? 15_000);
const TARGET_MS = 2 * TTL_MS;

const dist = (path) => import(join(ROOT, 'dist', 'src', path));
const { Bus, ensureOutbox, publishDurable } = await dist('bus/index.js');
const { silentLogger } = await dist('log.js');
const { toHeartbeatRecord } = await dist('contracts/heartbeat.js');

await main('singleton-failover', async () => {
  console.log(`singleton-failover: ${environment()}`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-singleton-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const url = await startConfiguredNats(dir);
  const bus = await Bus.connect({ url, name: 'bench', prefix: 'roshi', logger: silentLogger() });
  onCleanup(() => bus.drain().catch(() => {}));
  await ensureOutbox(bus);

  const beats = new Map();
  bus.subscribe('roshi.hb.>', (payload) => {
    const beat = toHeartbeatRecord(payload, Date.now());
    if (beat) beats.set(beat.actor, beat);
  });
  const lines = [];
  bus.subscribe('roshi.bridge.console', (payload) => lines.push({ text: payload.text, at: performance.now() }));

  const configOf = (host) => {
    const file = join(dir, `${host}.yaml`);
    mkdirSync(join(dir, `state-${host}`), { recursive: true });
    writeFileSync(
      file,
      stringify({
        host: { id: host },
        stateDir: join(dir, `state-${host}`),
        nats: { url },
        heartbeat: { interval: '500ms' },
        supervision: { leaseTtl: `${TTL_MS}ms` },
      }),
    );
    return file;
  };
  const configs = { h1: configOf('h1'), h2: configOf('h2') };
  const start = (host) => {
    const child = spawnMarked(process.execPath, [MAIN, 'actor', `${host}-bridge`], {
      env: { ROSHI_CONFIG: configs[host], ROSHI_LIFELINE: '1' },
      logFile: join(dir, `${host}-bridge.log`),
      stdin: 'pipe',
    });
    onCleanup(() => stopChild(child));
    return { host, child, name: `${host}-bridge` };
  };
  const waitRole = async (actor, role, timeoutMs = 60_000) => {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(10)) {
      const beat = beats.get(actor.name);
      if (beat?.pid === actor.child.pid && beat.lease === role) return;
    }
    throw new Error(`${actor.name} was not ${role} within ${timeoutMs} ms`);
  };
  let n = 0;
  /** Publishes one notification; resolves with the ms from `t0` until its console line. */
  const notifyFrom = async (t0) => {
    const text = `bench notification ${++n}`;
    await publishDurable(
      bus,
      'roshi.bridge.out',
      { id: `b${n}`, kind: 'notification', source: 'bench', text, at: Date.now() },
      `b${n}`,
    );
    for (const deadline = Date.now() + 3 * TARGET_MS + 60_000; Date.now() < deadline; await sleep(5)) {
      const line = lines.find((l) => l.text.includes(text));
      if (line) return line.at - t0;
    }
    throw new Error(`"${text}" never reached the console`);
  };

  let active = start('h1');
  await waitRole(active, 'active');
  let standby = start('h2');
  await waitRole(standby, 'standby');
  const floor = [];
  for (let i = 0; i < 5; i++) floor.push(await notifyFrom(performance.now()));

  const rows = [['round', 'killed', 'takeover ms', 'x 2*ttl', '']];
  const times = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await sleep(Math.random() * (TTL_MS / 3)); // anywhere between two renewals
    const t0 = performance.now();
    active.child.kill('SIGKILL');
    const ms = await notifyFrom(t0);
    await active.child.exitedPromise;
    times.push(ms);
    rows.push([round, active.name, fmt(ms, 0), fmt(ms / TARGET_MS), passMiss(ms <= TARGET_MS)]);
    await waitRole(standby, 'active');
    const restarted = start(active.host);
    await waitRole(restarted, 'standby');
    [active, standby] = [standby, restarted];
  }
  console.log(
    `singleton-failover: leaseTtl ${TTL_MS} ms (renewed every ${Math.floor(TTL_MS / 3)} ms), target 2 x ttl = ${TARGET_MS} ms`,
  );
  console.log(`singleton-failover: notification with the holder alive: median ${fmt(median(floor), 1)} ms (the floor)`);
  console.log(table(rows));
  const worst = Math.max(...times);
  console.log(
    `singleton-failover: median ${fmt(median(times), 0)} ms = ${fmt(median(times) / TARGET_MS)}x, worst ${fmt(worst, 0)} ms = ${fmt(worst / TARGET_MS)}x the 2 x ttl target ${passMiss(worst <= TARGET_MS)}`,
  );
});
