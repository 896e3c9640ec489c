// Footprint of an idle tree: resident memory (sum of VmRSS) and CPU (utime + stime over
// CPU_WINDOW_MS, cross-checked with schedstat) of the tree's Node processes, against bare Node
// processes that only hold a NATS connection to the same server (bench/bare-client.mjs): the
// floor for "one Node process per actor". Method: docs/performance.md#footprint
// Targets: memory ≤ 1.3×, CPU < 1 % of a core for the Node processes.
//
// BENCH_TREE_CONFIG='{"inspect":{"enabled":false}}' runs it with config overrides (JSON);
// BENCH_LOOP_MONITOR_RESOLUTION=<ms> preloads bench/patch-loop-monitor.mjs into the tree, which
// runs every actor's event-loop delay monitor at that resolution instead of 20 ms.
import { join } from 'node:path';
import {
  clockTick,
  cpuTicks,
  schedStat,
  descendants,
  environment,
  fmt,
  main,
  passMiss,
  procArgs,
  procComm,
  ROOT,
  sleep,
  spawnReadyNode,
  statusKb,
  table,
  Tree,
} from './lib.mjs';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 10_000);
const CPU_WINDOW_MS = Number(process.env.BENCH_CPU_WINDOW_MS ?? 30_000);
const TREE_CONFIG = JSON.parse(process.env.BENCH_TREE_CONFIG ?? '{}');
const RSS_TARGET = 1.3;
const CPU_TARGET = 1.0;

function label(pid) {
  const args = procArgs(pid) ?? '';
  const actor = / actor (\S+)/.exec(args);
  if (actor) return actor[1];
  if (/ supervisor( |$)/.test(args)) return 'supervisor';
  const comm = procComm(pid);
  if (comm === 'sh') return 'sh (nats lifeline)';
  return comm ?? String(pid);
}

const mb = (kb) => fmt(kb / 1024, 1);

await main('footprint', async () => {
  console.log(`footprint: ${environment()}`);
  if (Object.keys(TREE_CONFIG).length) console.log(`footprint: config overrides ${JSON.stringify(TREE_CONFIG)}`);
  const loopMonitor = process.env.BENCH_LOOP_MONITOR_RESOLUTION;
  if (loopMonitor) console.log(`footprint: actors' loop-delay monitor patched to ${loopMonitor} ms (analysis run)`);
  const env = loopMonitor
    ? {
        NODE_OPTIONS:
          `${process.env.NODE_OPTIONS ?? ''} --import=${join(ROOT, 'bench', 'patch-loop-monitor.mjs')}`.trim(),
      }
    : {};
  const tree = await Tree.start(TREE_CONFIG, { env });
  await tree.waitForRunning();
  process.stdout.write(`  tree running; idling ${SETTLE_MS / 1000} s\n`);
  await sleep(SETTLE_MS);

  // Bare clients first, one per Node process of the tree, so both sides idle equally long.
  const first = await treeProcesses(tree);
  const bare = [];
  for (let i = 0; i < first.nodePids.length; i++)
    bare.push(await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), tree.url], { env: tree.operatorEnv }));
  const floor = await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), '--no-nats']);
  // Reference for the idle CPU: a bare client that also keeps the event-loop delay monitor on,
  // at the resolution every actor's heartbeat uses (src/actors/heartbeat.ts).
  const monitored = await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), tree.url, '--loop-monitor', '20'], {
    env: tree.operatorEnv,
  });
  process.stdout.write(`  ${bare.length} bare clients connected; idling ${SETTLE_MS / 1000} s\n`);
  await sleep(SETTLE_MS);

  // A tree process that is replaced during the window (a restart, or a roll after someone rebuilt
  // dist/) would spoil both figures: measure again, at most three times.
  let m;
  for (let attempt = 1; ; attempt++) {
    m = await measure(tree, bare, floor, monitored);
    if (!m.changed.length) break;
    if (attempt === 3) throw new Error(`the tree kept replacing processes during the window: ${m.changed.join(', ')}`);
    console.log(
      `  tree processes changed during the window (${m.changed.join(', ')}); waiting for a quiet tree and measuring again`,
    );
    await tree.waitForRunning();
    await sleep(2 * SETTLE_MS); // as long as the first window's processes had idled
  }
  const { nodePids, otherPids, treeRows, otherRows, bareRows, floorRow, seconds, cpu, nsPct, wakeups, s0, s1 } = m;
  const sum = (rows, k) => rows.reduce((a, r) => a + r[k], 0);
  const cpuSum = (pids) => pids.reduce((a, p) => a + cpu.get(p), 0);
  const nsSum = (pids) => pids.reduce((a, p) => a + nsPct.get(p), 0);
  const wakeSum = (pids) => pids.reduce((a, p) => a + wakeups.get(p), 0);
  const cpuCells = (pid) => [fmt(cpu.get(pid)), fmt(nsPct.get(pid), 3), fmt(wakeups.get(pid), 1)];
  const cpuSums = (pids) => [fmt(cpuSum(pids)), fmt(nsSum(pids), 3), fmt(wakeSum(pids), 1)];

  console.log('');
  console.log(
    table([
      ['process', 'pid', 'RSS MB', 'anon MB', 'file MB', 'peak MB', 'CPU % (ticks)', 'CPU % (ns)', 'wakeups/s'],
      ...treeRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), ...cpuCells(r.pid)]),
      [
        '= tree (node)',
        '',
        mb(sum(treeRows, 'rss')),
        mb(sum(treeRows, 'anon')),
        mb(sum(treeRows, 'file')),
        '',
        ...cpuSums(nodePids),
      ],
      ...otherRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), ...cpuCells(r.pid)]),
      ...bareRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), ...cpuCells(r.pid)]),
      [
        `= ${bareRows.length} bare clients`,
        '',
        mb(sum(bareRows, 'rss')),
        mb(sum(bareRows, 'anon')),
        mb(sum(bareRows, 'file')),
        '',
        ...cpuSums(bare.map((c) => c.pid)),
      ],
      [
        floorRow.name,
        floorRow.pid,
        mb(floorRow.rss),
        mb(floorRow.anon),
        mb(floorRow.file),
        mb(floorRow.hwm),
        '',
        '',
        '',
      ],
      ['bare client + loop monitor 20 ms', monitored.pid, mb(m.monitoredRss), '', '', '', ...cpuCells(monitored.pid)],
    ]),
  );
  console.log(
    `  (CPU % of one core over ${fmt(seconds, 1)} s idle: from utime+stime, clock tick 1/${clockTick()} s, and from per-thread`,
  );
  console.log(
    `   schedstat ns; wakeups/s = times scheduled onto a CPU, all threads. RSS after ≥ ${SETTLE_MS / 1000} s idle)`,
  );
  if (process.env.BENCH_THREADS) {
    console.log('');
    for (const p of nodePids) {
      const before = s0.get(p).threads;
      const after = s1.get(p).threads;
      const rows = Object.keys(after)
        .filter((t) => before[t])
        .map((t) => [
          t,
          fmt(((after[t].ns - before[t].ns) / 1e9 / seconds) * 100, 3),
          fmt((after[t].slices - before[t].slices) / seconds, 1),
        ])
        .filter((r) => r[2] !== '0.0');
      console.log(`${label(p)} threads:\n${table([['thread', 'CPU %', 'wakeups/s'], ...rows])}`);
    }
  }
  const ratio = sum(treeRows, 'rss') / sum(bareRows, 'rss');
  const treeCpu = cpuSum(nodePids);
  console.log('');
  console.log(
    `footprint: nats-server ${mb(
      sum(
        otherRows.filter((r) => r.name === 'nats-server'),
        'rss',
      ),
    )} MB RSS, ${fmt(cpuSum(otherPids.filter((p) => label(p) === 'nats-server')))} % CPU (not in the ratio)`,
  );
  console.log(
    `footprint: idle CPU from schedstat ${fmt(nsSum(nodePids), 3)} % of one core, ${fmt(wakeSum(nodePids), 0)} wake-ups/s (bare clients: ${fmt(nsSum(bare.map((c) => c.pid)), 3)} %, ${fmt(wakeSum(bare.map((c) => c.pid)), 0)}/s)`,
  );
  console.log(
    `footprint: RSS ratio ${fmt(ratio)} (${mb(sum(treeRows, 'rss'))} MB tree vs ${mb(sum(bareRows, 'rss'))} MB for ${bareRows.length} bare clients; target ≤ ${RSS_TARGET}) ${passMiss(ratio <= RSS_TARGET)}`,
  );
  console.log(
    `footprint: idle CPU ${fmt(treeCpu)} % of one core (target < ${CPU_TARGET} %) ${passMiss(treeCpu < CPU_TARGET)}`,
  );
});

/** The tree's processes now: the supervisor and its descendants, Node ones apart. */
async function treeProcesses(tree) {
  const status = await tree.status();
  const supPid = status.supervisor.pid;
  const all = [supPid, ...descendants(supPid)];
  const nodePids = all.filter((p) => procComm(p) === 'node' || procComm(p) === 'MainThread');
  const otherPids = all.filter((p) => !nodePids.includes(p));
  const expected = 1 + status.children.filter((c) => c.name !== 'nats').length;
  if (nodePids.length !== expected)
    throw new Error(
      `found ${nodePids.length} node processes in the tree, expected ${expected}: ${all.map(label).join(', ')}`,
    );
  return { supPid, nodePids, otherPids };
}

/** Memory now, then CPU over CPU_WINDOW_MS; `changed` lists tree processes that came or went meanwhile. */
async function measure(tree, bare, floor, monitored) {
  const { supPid, nodePids, otherPids } = await treeProcesses(tree);
  const row = (pid) => ({
    pid,
    name: label(pid),
    rss: statusKb(pid, 'VmRSS'),
    anon: statusKb(pid, 'RssAnon'),
    file: statusKb(pid, 'RssFile'),
    hwm: statusKb(pid, 'VmHWM'),
  });
  const treeRows = nodePids.map(row);
  const otherRows = otherPids.map(row);
  const bareRows = bare.map((c) => ({ ...row(c.pid), name: 'bare nats client' }));
  const floorRow = { ...row(floor.pid), name: 'bare node (no nats)' };
  const monitoredRss = statusKb(monitored.pid, 'VmRSS');

  const watched = [...nodePids, ...otherPids, ...bare.map((c) => c.pid), monitored.pid];
  const ticks = (p) => {
    try {
      return cpuTicks(p);
    } catch {
      return NaN;
    }
  };
  const sched = (p) => {
    try {
      return schedStat(p, true);
    } catch {
      return { ns: NaN, slices: NaN, threads: {} };
    }
  };
  const t0 = new Map(watched.map((p) => [p, ticks(p)]));
  const s0 = new Map(watched.map((p) => [p, sched(p)]));
  const w0 = performance.now();
  await sleep(CPU_WINDOW_MS);
  const seconds = (performance.now() - w0) / 1000;
  const cpu = new Map(watched.map((p) => [p, ((ticks(p) - t0.get(p)) / clockTick() / seconds) * 100]));
  const s1 = new Map(watched.map((p) => [p, sched(p)]));
  const nsPct = new Map(watched.map((p) => [p, ((s1.get(p).ns - s0.get(p).ns) / 1e9 / seconds) * 100]));
  const wakeups = new Map(watched.map((p) => [p, (s1.get(p).slices - s0.get(p).slices) / seconds]));

  const now = new Set([supPid, ...descendants(supPid)]);
  const before = new Set([...nodePids, ...otherPids]);
  const changed = [
    ...[...before].filter((p) => !now.has(p)).map((p) => `${p} gone`),
    ...[...now].filter((p) => !before.has(p)).map((p) => `${label(p)} ${p} new`),
  ];
  return {
    nodePids,
    otherPids,
    treeRows,
    otherRows,
    bareRows,
    floorRow,
    monitoredRss,
    seconds,
    cpu,
    nsPct,
    wakeups,
    s0,
    s1,
    changed,
  };
}
