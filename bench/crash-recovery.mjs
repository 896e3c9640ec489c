// Crash recovery: SIGKILL of the tree's `chat` actor to the first heartbeat of its replacement,
// vs `node dist/main.js actor bridge` started by this script (same server, config and state dir;
// bridge is off in the tree) from spawn to its first heartbeat: the cost of starting the actor
// with no supervisor. Interleaved, ROUNDS times each. The restart intensity window is shortened
// (supervision.intensity.period: 1s, kills ≥ 2 s apart) so every kill is a first, immediate
// restart rather than a walk up the backoff ladder. Method: docs/performance.md#crash-recovery
//
// Targets: recovery median ≤ 1.5× bare median, and under 1 s.
import { join } from 'node:path';
import {
  environment,
  fmt,
  isAlive,
  main,
  median,
  MAIN,
  passMiss,
  sleep,
  spawnMarked,
  startTimeMs,
  stopChild,
  uptimeMs,
  table,
  Tree,
  onCleanup,
} from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_CRASH_ROUNDS ?? 10);
const WAIT_MS = 15_000;
const RATIO_TARGET = 1.5;
const ABS_TARGET_MS = 1_000;

/** Resolves with the first message on `subject` that `match` accepts, or rejects after `timeoutMs`. */
function nextMessage(tree, subject, match, timeoutMs) {
  return new Promise((resolve, reject) => {
    const sub = tree.subscribe(subject, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve({ payload, at: performance.now(), wall: Date.now() });
    });
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`nothing matching on ${subject} within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

await main('crash-recovery', async () => {
  console.log(`crash-recovery: ${environment()}`);
  const tree = await Tree.start({
    actors: { bridge: { enabled: false } },
    supervision: { intensity: { period: '1s' } },
  });
  await tree.waitForRunning();
  await tree.nc.flush();
  const events = [];
  tree.subscribe('roshi.sup.events', (e) => e.child === 'chat' && events.push(e));
  await sleep(2_000); // let the tree's start-up work (KV, outbox, first beats) finish

  const recovery = [];
  const bare = [];
  for (let round = 0; round < ROUNDS; round++) {
    // --- supervised: kill chat, wait for its replacement's first heartbeat -----------------------
    const before = (await tree.status()).children.find((c) => c.name === 'chat');
    if (before?.state !== 'running' || !before.pid) throw new Error(`chat is not running: ${JSON.stringify(before)}`);
    events.length = 0;
    const beat = nextMessage(tree, 'roshi.hb.chat', (hb) => hb.pid !== before.pid, WAIT_MS);
    await tree.nc.flush(); // the subscription is on the server before the kill
    const bootKill = uptimeMs();
    const wallKill = Date.now();
    const t0 = performance.now();
    process.kill(before.pid, 'SIGKILL');
    const hb = await beat;
    const exited = events.find((e) => e.kind === 'exited');
    const spawning = events.find((e) => e.kind === 'spawning');
    let started = NaN;
    try {
      started = startTimeMs(hb.payload.pid) - bootKill;
    } catch {
      // already gone
    }
    recovery.push({
      ms: hb.at - t0,
      exitSeen: exited ? exited.at - wallKill : NaN,
      spawnDecided: spawning ? spawning.at - wallKill : NaN,
      procStart: started,
      beatAfterStart: hb.wall - wallKill - started,
    });
    await tree.waitForRunning(['chat'], WAIT_MS);

    // --- bare: start the same actor code by hand, wait for its first heartbeat --------------------
    await sleep(1_000);
    const bareBeat = nextMessage(tree, 'roshi.hb.bridge', () => true, WAIT_MS);
    await tree.nc.flush();
    const bootSpawn = uptimeMs();
    const wallSpawn = Date.now();
    const t1 = performance.now();
    const child = spawnMarked(process.execPath, [MAIN, 'actor', 'bridge'], {
      // The tree has no bridge (so no bridge user): the hand-started one connects as the operator.
      env: {
        ROSHI_NATS__URL: tree.url,
        ROSHI_STATE_DIR: tree.stateDir,
        ROSHI_CONFIG: tree.configFile,
        ROSHI_NATS__USER: 'operator',
        ROSHI_NATS__PASSWORD: tree.operator.password,
      },
      logFile: join(tree.stateDir, 'bare-bridge.log'),
      detached: true, // as the supervisor spawns its children
    });
    const unregister = onCleanup(() => stopChild(child, 0));
    let bareStarted = NaN;
    try {
      bareStarted = startTimeMs(child.pid) - bootSpawn;
    } catch {
      // exited already
    }
    const bhb = await bareBeat;
    bare.push({ ms: bhb.at - t1, procStart: bareStarted, beatAfterStart: bhb.wall - wallSpawn - bareStarted });
    child.kill('SIGKILL');
    await child.exitedPromise;
    unregister();
    if (isAlive(child.pid)) throw new Error(`bare bridge ${child.pid} survived SIGKILL`);
    await sleep(1_000);
    process.stdout.write(
      `  round ${round + 1}/${ROUNDS}: recovery ${fmt(recovery.at(-1).ms, 0)} ms, bare start ${fmt(bare.at(-1).ms, 0)} ms\n`,
    );
  }

  const med = (rows, key) => median(rows.map((r) => r[key]).filter(Number.isFinite));
  const rec = med(recovery, 'ms');
  const base = med(bare, 'ms');
  const ratio = rec / base;
  console.log('');
  console.log(
    table([
      [
        'median over ' + ROUNDS,
        'total ms',
        'min ms',
        'max ms',
        'exit seen',
        'respawn decided',
        'process started',
        'first beat after start',
      ],
      [
        'recovery (SIGKILL → new beat)',
        fmt(rec, 0),
        fmt(Math.min(...recovery.map((r) => r.ms)), 0),
        fmt(Math.max(...recovery.map((r) => r.ms)), 0),
        fmt(med(recovery, 'exitSeen'), 0),
        fmt(med(recovery, 'spawnDecided'), 0),
        fmt(med(recovery, 'procStart'), 0),
        fmt(med(recovery, 'beatAfterStart'), 0),
      ],
      [
        'bare start (spawn → beat)',
        fmt(base, 0),
        fmt(Math.min(...bare.map((r) => r.ms)), 0),
        fmt(Math.max(...bare.map((r) => r.ms)), 0),
        '',
        '',
        fmt(med(bare, 'procStart'), 0),
        fmt(med(bare, 'beatAfterStart'), 0),
      ],
    ]),
  );
  console.log(
    '  (phase columns: ms after the kill / spawn; "process started" from /proc/<pid>/stat vs /proc/uptime, ±10 ms;',
  );
  console.log("   exit seen / respawn decided from the supervisor's exited / spawning events on roshi.sup.events)");
  console.log('');
  console.log(
    `crash-recovery: median ${fmt(rec, 0)} ms (target < ${ABS_TARGET_MS} ms) ${passMiss(rec < ABS_TARGET_MS)}`,
  );
  console.log(
    `crash-recovery: ratio ${fmt(ratio)} vs bare start ${fmt(base, 0)} ms (target ≤ ${RATIO_TARGET}) ${passMiss(ratio <= RATIO_TARGET)}`,
  );
});
