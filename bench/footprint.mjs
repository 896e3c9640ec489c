// Footprint of an idle tree: resident memory and CPU, against bare Node processes that only hold
// a NATS connection to the same server (bench/bare-client.mjs) — the floor for "one Node process
// per actor, talking over NATS", which is the design's premise.
//
//   memory: sum of VmRSS (/proc/<pid>/status) of the tree's Node processes (supervisor + every
//           actor) after SETTLE_MS idle, vs the same number of bare clients idle as long, read at
//           the same moment. nats-server and the lifeline watcher (sh) are listed separately.
//           Target: ≤ 1.3×.
//   cpu:    utime + stime deltas (/proc/<pid>/stat, in CLK_TCK ticks) of the tree's processes
//           over CPU_WINDOW_MS idle, as % of one core. Target: < 1 % for the Node processes.
import { join } from 'node:path';
import { clockTick, cpuTicks, descendants, environment, fmt, main, passMiss, procArgs, procComm, ROOT, sleep, spawnReadyNode, statusKb, table, Tree } from './lib.mjs';

const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 10_000);
const CPU_WINDOW_MS = Number(process.env.BENCH_CPU_WINDOW_MS ?? 10_000);
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
  const tree = await Tree.start();
  await tree.waitForRunning();
  process.stdout.write(`  tree running; idling ${SETTLE_MS / 1000} s\n`);
  await sleep(SETTLE_MS);

  const status = await tree.status();
  const supPid = status.supervisor.pid;
  const all = [supPid, ...descendants(supPid)];
  const nodePids = all.filter((p) => procComm(p) === 'node' || procComm(p) === 'MainThread');
  const otherPids = all.filter((p) => !nodePids.includes(p));
  const expected = 1 + status.children.filter((c) => c.name !== 'nats').length;
  if (nodePids.length !== expected) throw new Error(`found ${nodePids.length} node processes in the tree, expected ${expected}: ${all.map(label).join(', ')}`);

  const bare = [];
  for (let i = 0; i < nodePids.length; i++) bare.push(await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), tree.url]));
  const floor = await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), '--no-nats']);
  process.stdout.write(`  ${bare.length} bare clients connected; idling ${SETTLE_MS / 1000} s\n`);
  await sleep(SETTLE_MS);

  // Memory, all read at the same moment.
  const row = (pid) => ({ pid, name: label(pid), rss: statusKb(pid, 'VmRSS'), anon: statusKb(pid, 'RssAnon'), file: statusKb(pid, 'RssFile'), hwm: statusKb(pid, 'VmHWM') });
  const treeRows = nodePids.map(row);
  const otherRows = otherPids.map(row);
  const bareRows = bare.map((c) => ({ ...row(c.pid), name: 'bare nats client' }));
  const floorRow = { ...row(floor.pid), name: 'bare node (no nats)' };
  const sum = (rows, k) => rows.reduce((a, r) => a + r[k], 0);

  // CPU over an idle window.
  const watched = [...nodePids, ...otherPids, ...bare.map((c) => c.pid)];
  const t0 = new Map(watched.map((p) => [p, cpuTicks(p)]));
  const w0 = performance.now();
  await sleep(CPU_WINDOW_MS);
  const seconds = (performance.now() - w0) / 1000;
  const pct = (pid) => ((cpuTicks(pid) - t0.get(pid)) / clockTick() / seconds) * 100;
  const cpu = new Map(watched.map((p) => [p, pct(p)]));
  const cpuSum = (pids) => pids.reduce((a, p) => a + cpu.get(p), 0);

  console.log('');
  console.log(
    table([
      ['process', 'pid', 'RSS MB', 'anon MB', 'file MB', 'peak MB', 'CPU %'],
      ...treeRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), fmt(cpu.get(r.pid))]),
      ['= tree (node)', '', mb(sum(treeRows, 'rss')), mb(sum(treeRows, 'anon')), mb(sum(treeRows, 'file')), '', fmt(cpuSum(nodePids))],
      ...otherRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), fmt(cpu.get(r.pid))]),
      ...bareRows.map((r) => [r.name, r.pid, mb(r.rss), mb(r.anon), mb(r.file), mb(r.hwm), fmt(cpu.get(r.pid))]),
      [`= ${bareRows.length} bare clients`, '', mb(sum(bareRows, 'rss')), mb(sum(bareRows, 'anon')), mb(sum(bareRows, 'file')), '', fmt(cpuSum(bare.map((c) => c.pid)))],
      [floorRow.name, floorRow.pid, mb(floorRow.rss), mb(floorRow.anon), mb(floorRow.file), mb(floorRow.hwm), ''],
    ]),
  );
  console.log(`  (CPU % of one core over ${fmt(seconds, 1)} s idle, clock tick 1/${clockTick()} s; RSS after ≥ ${SETTLE_MS / 1000} s idle)`);
  const ratio = sum(treeRows, 'rss') / sum(bareRows, 'rss');
  const treeCpu = cpuSum(nodePids);
  console.log('');
  console.log(`footprint: nats-server ${mb(sum(otherRows.filter((r) => r.name === 'nats-server'), 'rss'))} MB RSS, ${fmt(cpuSum(otherPids.filter((p) => label(p) === 'nats-server')))} % CPU (not in the ratio)`);
  console.log(`footprint: RSS ratio ${fmt(ratio)} (${mb(sum(treeRows, 'rss'))} MB tree vs ${mb(sum(bareRows, 'rss'))} MB for ${bareRows.length} bare clients; target ≤ ${RSS_TARGET}) ${passMiss(ratio <= RSS_TARGET)}`);
  console.log(`footprint: idle CPU ${fmt(treeCpu)} % of one core (target < ${CPU_TARGET} %) ${passMiss(treeCpu < CPU_TARGET)}`);
});
