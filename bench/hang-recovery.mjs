// Hang recovery with the DEFAULT heartbeat, watchdog and supervision settings (only stateDir is
// set): SIGSTOP an actor right after one of its heartbeats, then measure until the supervisor's
// status shows it running again with a new pid (and until the new pid's first heartbeat).
//
// Stopping right after a beat is the worst case: the watchdog can only call an actor stale
// watchdog.staleAfter after its last heartbeat, so the time is measured from the stop, which
// is (within a millisecond) the time of the last beat. The limit is that detection floor plus
// what healing needs; the target is staleAfter + 2 s = 12 s with the defaults.
//
// Three runs, each on a different actor (chat, bridge, runner-1): each is then that child's
// first failure, which the defaults restart immediately, as they would a one-off hang. Three
// hangs of the same child within a minute would meet the backoff (0.5 s, 1 s) by design.
import {
  environment,
  fmt,
  isAlive,
  main,
  MARK,
  median,
  passMiss,
  procState,
  RUN_ID,
  sleep,
  table,
  Tree,
} from './lib.mjs';
import { readFileSync } from 'node:fs';

const ACTORS = (process.env.BENCH_HANG_ACTORS ?? 'chat,bridge,runner-1').split(',');
const STALE_AFTER_MS = 10_000; // config/default.yaml watchdog.staleAfter
const TARGET_MS = STALE_AFTER_MS + 2_000;
const RUN_LIMIT_MS = 45_000;

/** True when `pid` is still the process this run started (not a reused pid). */
function ours(pid) {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`${MARK}=${RUN_ID}`);
  } catch {
    return false;
  }
}

await main('hang-recovery', async () => {
  console.log(`hang-recovery: ${environment()}`);
  const tree = await Tree.start(); // defaults, only stateDir
  await tree.waitForRunning();
  await sleep(3_000);
  const results = [];

  for (const actor of ACTORS) {
    const before = (await tree.status()).children.find((c) => c.name === actor);
    if (before?.state !== 'running' || !before.pid)
      throw new Error(`${actor} is not running: ${JSON.stringify(before)}`);
    const oldPid = before.pid;
    const events = [];
    let stopAt;
    let stopWall;
    let newBeat;
    let resolveStopped;
    const stopped = new Promise((resolve) => (resolveStopped = resolve));
    const evSub = tree.subscribe('roshi.sup.events', (e) => e.child === actor && events.push(e));
    const hbSub = tree.subscribe(`roshi.hb.${actor}`, (hb) => {
      if (hb.pid === oldPid && stopAt === undefined) {
        // Right after a beat: the worst case for detection.
        process.kill(oldPid, 'SIGSTOP');
        stopAt = performance.now();
        stopWall = Date.now();
        resolveStopped();
      } else if (hb.pid !== oldPid && stopAt !== undefined && newBeat === undefined) {
        newBeat = { ms: performance.now() - stopAt, pid: hb.pid };
      }
    });
    try {
      await Promise.race([
        stopped,
        sleep(10_000).then(() => Promise.reject(new Error(`no heartbeat from ${actor} ${oldPid}`))),
      ]);
      // The stop is asynchronous: a process busy on another core takes a moment to halt.
      for (let i = 0; i < 100 && procState(oldPid) !== 'T'; i++) await sleep(5);
      if (procState(oldPid) !== 'T') throw new Error(`${actor} ${oldPid} is not stopped (state ${procState(oldPid)})`);
      let healedMs;
      let newPid;
      while (performance.now() - stopAt < RUN_LIMIT_MS) {
        const row = await tree
          .status()
          .then((s) => s.children.find((c) => c.name === actor))
          .catch(() => undefined);
        if (row?.state === 'running' && row.pid && row.pid !== oldPid) {
          healedMs = performance.now() - stopAt;
          newPid = row.pid;
          break;
        }
        await sleep(50);
      }
      if (healedMs === undefined)
        throw new Error(
          `${actor} was not healed within ${RUN_LIMIT_MS} ms; events: ${events.map((e) => e.kind).join(' ')}`,
        );
      const waitBeat = performance.now();
      while (!newBeat && performance.now() - waitBeat < 5_000) await sleep(20);
      const phase = (kind) => {
        const e = events.find((x) => x.kind === kind);
        return e ? e.at - stopWall : NaN;
      };
      results.push({
        actor,
        oldPid,
        newPid,
        healedMs,
        beatMs: newBeat?.ms ?? NaN,
        tier1: phase('tier1'),
        tier2: phase('tier2'),
        tier3: phase('tier3'),
        exited: phase('exited'),
        spawning: phase('spawning'),
        ready: phase('ready'),
        path: events.map((e) => e.kind).join('→'),
        oldGone: !isAlive(oldPid),
      });
      process.stdout.write(`  ${actor}: healed after ${fmt(healedMs / 1000)} s (${results.at(-1).path})\n`);
    } finally {
      evSub.unsubscribe();
      hbSub.unsubscribe();
      // Never leave a stopped process behind, whatever happened above.
      if (isAlive(oldPid) && ours(oldPid)) {
        try {
          process.kill(oldPid, 'SIGCONT');
          process.kill(oldPid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    await tree.waitForRunning(undefined, 30_000);
    await sleep(1_000);
  }

  const s = (ms) => fmt(ms / 1000);
  console.log('');
  console.log(
    table([
      [
        'actor',
        'healed s',
        'new beat s',
        'tier1 s',
        'tier2 s',
        'tier3 s',
        'exited s',
        'ready s',
        'old pid gone',
        'path',
      ],
      ...results.map((r) => [
        r.actor,
        s(r.healedMs),
        s(r.beatMs),
        s(r.tier1),
        s(r.tier2),
        s(r.tier3),
        s(r.exited),
        s(r.ready),
        r.oldGone ? 'yes' : 'NO',
        r.path,
      ]),
    ]),
  );
  console.log(
    "  (seconds after SIGSTOP, which follows the actor's last heartbeat by < 1 ms; phases from roshi.sup.events)",
  );
  const worst = Math.max(...results.map((r) => r.healedMs));
  console.log('');
  console.log(
    `hang-recovery: median ${s(median(results.map((r) => r.healedMs)))} s over ${results.length} runs, detection floor (staleAfter) ${s(STALE_AFTER_MS)} s`,
  );
  console.log(
    `hang-recovery: worst ${s(worst)} s, ${fmt(worst / TARGET_MS)}× target (target ≤ ${s(TARGET_MS)} s = staleAfter + 2 s) ${passMiss(worst <= TARGET_MS)}`,
  );
});
