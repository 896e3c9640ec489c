// The live page (docs/observability.md#the-live-page), in headless Chromium against a real tree:
//   latency  a supervision transition (its sup.events `at`) → the page's tree row changing state
//            (a MutationObserver's clock, same machine): p50, p99 over restarts of two actors.
//            Target p50 ≤ 250 ms.
//   first load  bytes the page downloads and the time to a drawn tree.
//   idle     the tree's Node processes (the supervisor and its actors; not Chromium, not
//            nats-server): CPU over a window and RSS, web on with one page open against web off,
//            and web on without a page between them, each process's share and the load shown.
//            Target ≤ 1.1× for CPU; memory is reported (the web actor is one more process).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { launchBrowser } from './chromium.mjs';
import {
  cpuTicks,
  clockTick,
  descendants,
  environment,
  fmt,
  MAIN,
  main,
  onCleanup,
  passMiss,
  percentile,
  procComm,
  sleep,
  statusKb,
  table,
  Tree,
} from './lib.mjs';

const RESTARTS = Number(process.env.BENCH_WEB_RESTARTS ?? 12);
const WINDOW_MS = Number(process.env.BENCH_WEB_WINDOW_MS ?? 20_000);
const SETTLE_MS = Number(process.env.BENCH_WEB_SETTLE_MS ?? 8_000);
const TARGET_P50_MS = 250;
const TARGET_IDLE = 1.1;
// The tree every figure is taken on: the default actors without chat providers, GitHub or agents.
const CONFIG = { actors: { bridge: { enabled: false }, chat: { enabled: false }, prPoller: { enabled: false } } };

/**
 * CPU % of one core and summed RSS (MB) of the tree's Node processes over the window; a window in
 * which a process came or went (a restart) is measured again, at most three times.
 */
async function idle(tree) {
  for (let attempt = 1; ; attempt++) {
    const figures = await idleOnce(tree);
    if (!figures.replaced.length || attempt === 3) return figures;
    await tree.waitForRunning();
  }
}

async function idleOnce(tree) {
  const status = await tree.status();
  const pids = [status.supervisor.pid, ...descendants(status.supervisor.pid)].filter(
    (p) => procComm(p) === 'node' || procComm(p) === 'MainThread',
  );
  const names = new Map([[status.supervisor.pid, 'supervisor'], ...status.children.map((c) => [c.pid, c.name])]);
  const before = new Map(pids.map((p) => [p, cpuTicks(p)]));
  const started = Date.now();
  await sleep(WINDOW_MS);
  const seconds = (Date.now() - started) / 1000;
  const children = (await tree.status()).children;
  const replaced = children.filter((c) => c.name !== 'nats' && c.pid && !pids.includes(c.pid)).map((c) => c.name);
  const alive = pids.filter((p) => procComm(p) !== undefined);
  const percent = (ticks) => (ticks / clockTick() / seconds) * 100;
  // Each process's share, so a miss can be put where it is.
  const byActor = Object.fromEntries(
    alive.map((p) => [names.get(p) ?? String(p), percent(cpuTicks(p) - before.get(p))]),
  );
  const ticks = alive.reduce((sum, p) => sum + cpuTicks(p) - before.get(p), 0);
  const rssMb = alive.reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0) / 1024;
  return { cpu: percent(ticks), rssMb, processes: pids.length, replaced, byActor, load: loadAverage() };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

async function launch() {
  const { browser, close } = await launchBrowser();
  onCleanup(close);
  return browser;
}

const loginLink = (tree) =>
  JSON.parse(
    execFileSync(process.execPath, [MAIN, 'web', 'login', '--json', '--config', tree.configFile], { encoding: 'utf8' }),
  ).link;

await main('web-latency', async () => {
  console.log(`web-latency: ${environment()}`);
  // Web off first: the reference.
  const off = await Tree.start({ ...CONFIG, actors: { ...CONFIG.actors, web: { enabled: false } } });
  onCleanup(() => off.stop());
  await off.waitForRunning();
  await sleep(SETTLE_MS);
  const offIdle = await idle(off);
  await off.stop();

  const tree = await Tree.start(CONFIG);
  onCleanup(() => tree.stop());
  await tree.waitForRunning();
  // Web on, no page: the web actor's own cost, apart from what an open page adds.
  await sleep(SETTLE_MS);
  const closedIdle = await idle(tree);
  const browser = await launch();
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  let bytes = 0;
  page.on('response', (res) => {
    void res
      .buffer()
      .then((b) => (bytes += b.length))
      .catch(() => undefined);
  });
  const children = (await tree.status()).children.map((c) => c.name);
  const loadStart = Date.now();
  await page.goto(loginLink(tree), { waitUntil: 'domcontentloaded' });
  const domMs = Date.now() - loadStart;
  await page.waitForFunction(
    (names) => names.every((n) => document.querySelector(`#tree tr[data-actor="${n}"]`)?.dataset.state === 'running'),
    { timeout: 30_000 },
    children,
  );
  const treeMs = Date.now() - loadStart;
  await page.waitForSelector('#chart-svg g.state', { timeout: 30_000 });
  const chartMs = Date.now() - loadStart;
  await sleep(500);
  const loadBytes = bytes;

  // One page open while the tree idles: before the restarts below, so that young processes (JIT,
  // first GCs) and the supervisor's restart bookkeeping are not counted as the page's cost.
  await sleep(SETTLE_MS);
  const onIdle = await idle(tree);

  // Every change of a row's state, with the page's wall clock (same machine as the supervisor).
  await page.evaluate(() => {
    window.changes = [];
    const last = new Map();
    const record = () => {
      const now = performance.timeOrigin + performance.now();
      for (const row of document.querySelectorAll('#tree tbody tr')) {
        const actor = row.dataset.actor;
        if (last.get(actor) !== row.dataset.state) {
          last.set(actor, row.dataset.state);
          window.changes.push({ actor, state: row.dataset.state, at: now });
        }
      }
    };
    new MutationObserver(record).observe(document.querySelector('#tree tbody'), { childList: true, subtree: true });
    record();
  });
  const events = [];
  tree.subscribe('roshi.sup.events', (e) => events.push(e));
  const actors = ['watchdog', 'missions'];
  for (let i = 0; i < RESTARTS; i++) {
    const actor = actors[i % actors.length];
    const from = events.length;
    await tree.request('roshi.sup.restart', { actor, by: 'bench' });
    const deadline = Date.now() + 30_000;
    while (!events.slice(from).some((e) => e.child === actor && e.kind === 'ready')) {
      if (Date.now() > deadline) throw new Error(`${actor} not ready again within 30 s`);
      await sleep(50);
    }
    await tree.waitForRunning();
    await sleep(300);
  }
  await sleep(500);
  const changes = await page.evaluate(() => window.changes);
  const latencies = [];
  for (const [i, e] of events.entries()) {
    if (!actors.includes(e.child)) continue;
    const next = events.slice(i + 1).find((x) => x.child === e.child);
    const change = changes.find((c) => c.actor === e.child && c.at >= e.at);
    if (change && (!next || change.at <= next.at)) latencies.push(change.at - e.at);
  }
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);

  await browser.close();

  console.log('');
  console.log(
    table([
      ['tree', 'node processes', 'CPU % of a core', 'RSS MB', 'replaced in the window'],
      ['web off', offIdle.processes, fmt(offIdle.cpu, 2), fmt(offIdle.rssMb, 1), offIdle.replaced.join(' ') || '-'],
      [
        'web on, no page',
        closedIdle.processes,
        fmt(closedIdle.cpu, 2),
        fmt(closedIdle.rssMb, 1),
        closedIdle.replaced.join(' ') || '-',
      ],
      [
        'web on, one page open',
        onIdle.processes,
        fmt(onIdle.cpu, 2),
        fmt(onIdle.rssMb, 1),
        onIdle.replaced.join(' ') || '-',
      ],
    ]),
  );
  const actorNames = [...new Set([...Object.keys(offIdle.byActor), ...Object.keys(onIdle.byActor)])];
  console.log('');
  console.log(
    table([
      [
        'CPU % of a core (load 1 min)',
        `web off (${offIdle.load})`,
        `no page (${closedIdle.load})`,
        `page open (${onIdle.load})`,
      ],
      ...actorNames.map((n) => [
        n,
        fmt(offIdle.byActor[n] ?? 0, 2),
        fmt(closedIdle.byActor[n] ?? 0, 2),
        fmt(onIdle.byActor[n] ?? 0, 2),
      ]),
    ]),
  );
  console.log(
    `web-latency: transition → DOM over ${latencies.length} transitions: p50 ${fmt(p50, 0)} ms, p99 ${fmt(p99, 0)} ms (target p50 ≤ ${TARGET_P50_MS} ms) ${passMiss(p50 <= TARGET_P50_MS)}`,
  );
  console.log(
    `web-latency: first load ${fmt(loadBytes / 1024, 1)} KiB; DOM ready ${domMs} ms, tree drawn ${treeMs} ms, statechart drawn ${chartMs} ms (including the login redirect)`,
  );
  const cpuRatio = onIdle.cpu / offIdle.cpu;
  console.log(
    `web-latency: idle CPU ratio ${fmt(cpuRatio)} (${fmt(onIdle.cpu, 2)} % vs ${fmt(offIdle.cpu, 2)} % of a core over ${WINDOW_MS / 1000} s; target ≤ ${TARGET_IDLE}) ${passMiss(cpuRatio <= TARGET_IDLE)}`,
  );
  console.log(
    `web-latency: idle CPU, web on without a page vs off ${fmt(closedIdle.cpu / offIdle.cpu)}; with the page vs without ${fmt(onIdle.cpu / closedIdle.cpu)} (reported: where the cost is)`,
  );
  console.log(
    `web-latency: idle RSS ratio ${fmt(onIdle.rssMb / offIdle.rssMb)} (${fmt(onIdle.rssMb, 1)} MB vs ${fmt(offIdle.rssMb, 1)} MB: the web actor is one more Node process)`,
  );
});
