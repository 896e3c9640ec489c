// The fault-injection run (docs/operations.md#chaos-run): missions on three runners with the real
// agent CLI against the scripted Messages API, while seeded random faults hit every kind of
// process — SIGKILL or SIGSTOP of a child, of an agent, of nats-server, SIGKILL of the supervisor
// followed by a restart on the same state dir. Counts what an operator would pay for: missions
// lost or run twice, notifications lost or doubled, children not healed in time, orphans.
// `npm test` runs a short form; `npm run chaos` the long one (CHAOS_* variables below).
import { execFileSync } from 'node:child_process';
import { appendFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { createMissionWorld, type MissionWorld } from '../harness/missionWorld.js';
import { isAlive } from '../harness/processes.js';
import { deepMerge, sleep, TestTree } from '../harness/tree.js';
import { seededRandom } from '../harness/seeded.js';

const SEED = Number(process.env.CHAOS_SEED ?? 7);
const MISSIONS = Number(process.env.CHAOS_MISSIONS ?? 6);
const FAULTS = Number(process.env.CHAOS_FAULTS ?? 8);
const REPORT = process.env.CHAOS_REPORT; // a file the long form appends its figures to
const RUNNERS = ['runner-1', 'runner-2', 'runner-3'];
const CHILDREN = ['nats', 'watchdog', 'missions', 'bridge', ...RUNNERS];
const STALE_AFTER_MS = 1_500; // FAST_TIMINGS.watchdog.staleAfter
const HEAL_LIMIT_MS = STALE_AFTER_MS + 5_000;
/** Progress on stderr as it happens: a long run should not be silent for half an hour. */
const progress = (line: string) => process.stderr.write(`chaos ${new Date().toISOString().slice(11, 19)} ${line}\n`);

type FaultKind = 'kill-child' | 'stop-child' | 'kill-agent' | 'stop-agent' | 'kill-supervisor';
const KINDS: FaultKind[] = ['kill-child', 'stop-child', 'kill-agent', 'stop-agent', 'kill-child', 'kill-supervisor'];

/** Processes whose command line or working directory lies under one of `roots`. */
function processesUnder(roots: string[]): Array<{ pid: number; args: string }> {
  const found: Array<{ pid: number; args: string }> = [];
  for (const entry of execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' }).split('\n')) {
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/.exec(entry);
    if (!match || match[2]!.startsWith('Z')) continue;
    const pid = Number(match[1]);
    let cwd = '';
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // not ours to read, or gone
    }
    if (roots.some((root) => match[3]!.includes(root) || cwd.startsWith(root))) found.push({ pid, args: match[3]! });
  }
  return found;
}

/** Agent CLI processes of this world (their working directory is a worktree of its project). */
function agents(world: MissionWorld, stateDir: string): number[] {
  return processesUnder([stateDir, world.dir])
    .filter((p) => /claude/.test(p.args) && !/\bnode\b.*dist\/main\.js/.test(p.args))
    .map((p) => p.pid);
}

/** The mission (tag) whose worktree an agent works in: worktrees are named by mission id. */
function missionOfAgent(pid: number, ids: Map<string, string>): string | undefined {
  let cwd = '';
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
  for (const [tag, id] of ids) if (cwd.includes(id)) return tag;
  return undefined;
}

/** The runs of a mission run twice, each with the faults of the 10 s before it. */
function faultsAround(runs: number[], faultLog: Array<{ at: number; what: string }>): string[] {
  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);
  return runs.flatMap((at) => [
    `run completed ${clock(at)}; faults in the 10 s before:`,
    ...faultLog.filter((f) => f.at <= at && f.at > at - 10_000).map((f) => `  ${clock(f.at)} ${f.what}`),
  ]);
}

describe('chaos: missions on three runners under random faults', () => {
  let world: MissionWorld;
  let telegram: FakeTelegram;
  let tree: TestTree | undefined;
  let stateDir = '';
  const log: string[] = [];
  afterAll(async () => {
    await tree?.stop().catch(() => undefined);
    await telegram?.stop();
    await world?.stop();
  });

  it(
    `loses nothing, doubles nothing, heals in time, leaves no process (seed ${SEED})`,
    async () => {
      const rand = seededRandom(SEED);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
      world = await createMissionWorld();
      telegram = await startFakeTelegram();
      const ledger = join(world.dir, 'ledger');
      const config = deepMerge(
        world.config({
          actors: { chat: { enabled: false }, prPoller: { enabled: false }, runner: { instances: RUNNERS.length } },
        }),
        {
          agent: { idleTimeout: '15s' },
          bridge: {
            providers: ['telegram'],
            allowedUsers: ['telegram:1'],
            telegram: { apiUrl: telegram.url, tokenEnv: 'TELEGRAM_BOT_TOKEN', chatId: '1', minInterval: '20ms' },
          },
        },
      );
      const env = { ...world.env, TELEGRAM_BOT_TOKEN: telegram.token };
      const start = async () => {
        tree = await TestTree.start({ config, env, ...(stateDir ? { stateDir } : {}) });
        stateDir = tree.stateDir;
        await tree.waitForRunning(CHILDREN.slice(1), 60_000);
      };
      await start();

      // Each mission's agent writes a file after a short, random pause, so faults land mid-run. A
      // run counts as complete when the agent is answered its last turn: two complete runs of one
      // mission are a mission run (and paid for) twice.
      const tags: string[] = [];
      const completeRuns = new Map<string, number>();
      // When each run completed and when each fault hit what: the report explains a doubled item.
      const runTimes = new Map<string, number[]>();
      const faultLog: Array<{ at: number; what: string }> = [];
      const ids = new Map<string, string>();
      for (let i = 0; i < MISSIONS; i++) {
        const tag = `chaos${SEED}x${i}`;
        const pause = (0.5 + rand() * 2.5).toFixed(1);
        world.scenarios.set(tag, ({ toolResults }) =>
          toolResults === 0
            ? {
                toolUse: {
                  name: 'Bash',
                  input: {
                    command: `sleep ${pause}; echo ${tag} >> ${ledger}; printf ${i} > ${tag}.txt`,
                    description: 'work',
                  },
                },
              }
            : (completeRuns.set(tag, (completeRuns.get(tag) ?? 0) + 1),
              runTimes.set(tag, [...(runTimes.get(tag) ?? []), Date.now()]),
              { text: `done ${tag}` }),
        );
        tags.push(tag);
        const mission = await tree!.bus.request<Mission>(
          tree!.bus.subjects.missions('add'),
          { text: `chaos mission ${tag} {{${tag}}}`, source: 'nats' },
          10_000,
        );
        ids.set(tag, mission.id);
      }

      // Faults, one after another; after each child fault, how long until the child runs again.
      let unhealed = 0;
      let slowestReadyMs = 0;
      const faults: Record<string, number> = {};
      for (let n = 0; n < FAULTS; n++) {
        await sleep(300 + rand() * 1_700);
        const kind = pick(KINDS);
        const current = tree!;
        if (kind === 'kill-child' || kind === 'stop-child') {
          const name = pick(CHILDREN);
          const child = await current.child(name).catch(() => undefined);
          if (!child?.pid || child.state !== 'running') continue;
          const signal = kind === 'kill-child' ? 'SIGKILL' : 'SIGSTOP';
          const hitAt = Date.now();
          process.kill(child.pid, signal);
          faultLog.push({ at: hitAt, what: `${signal} ${name} pid ${child.pid}` });
          faults[`${signal} ${name === 'nats' ? 'nats-server' : 'child'}`] =
            (faults[`${signal} ${name === 'nats' ? 'nats-server' : 'child'}`] ?? 0) + 1;
          // Healed = the tree replaced the process (a new pid); running again also needs a Node
          // start, which a loaded machine stretches, so that time is reported, not judged.
          const after = (check: (c: { name: string; state: string; pid: number | null }) => boolean, what: string) =>
            current
              .waitForStatus((s) => s.children.some((c) => c.name === name && check(c)), 30_000, `${name} ${what}`)
              .then(() => Date.now() - hitAt)
              .catch(() => undefined);
          const healed = await after((c) => c.pid !== null && c.pid !== child.pid, 'replaced');
          const ready = await after((c) => c.state === 'running' && c.pid !== child.pid, 'running again');
          if (isAlive(child.pid)) process.kill(child.pid, 'SIGCONT');
          slowestReadyMs = Math.max(slowestReadyMs, ready ?? Number.POSITIVE_INFINITY);
          progress(
            `${signal} ${name} pid ${child.pid}: replaced ${healed === undefined ? 'never' : `in ${healed} ms`}, running again ${ready === undefined ? 'never' : `in ${ready} ms`}`,
          );
          if (healed === undefined || healed > HEAL_LIMIT_MS) {
            unhealed++;
            log.push(`${signal} ${name}: replaced ${healed === undefined ? 'never' : `after ${healed} ms`}`);
          }
        } else if (kind === 'kill-agent' || kind === 'stop-agent') {
          const pids = agents(world, stateDir);
          if (pids.length === 0) continue;
          const signal = kind === 'kill-agent' ? 'SIGKILL' : 'SIGSTOP';
          try {
            const pid = pick(pids);
            const of = missionOfAgent(pid, ids);
            process.kill(pid, signal);
            faultLog.push({ at: Date.now(), what: `${signal} agent pid ${pid}${of ? ` of ${of}` : ''}` });
            faults[`${signal} agent`] = (faults[`${signal} agent`] ?? 0) + 1;
          } catch {
            // it ended meanwhile
          }
        } else {
          faults['SIGKILL supervisor'] = (faults['SIGKILL supervisor'] ?? 0) + 1;
          faultLog.push({ at: Date.now(), what: 'SIGKILL supervisor' });
          const pids = await current.pids().catch(() => []);
          await current.bus.nc.close().catch(() => undefined);
          current.process.kill('SIGKILL');
          await current.process.catch(() => undefined);
          // The children notice the lost lifeline and exit by themselves.
          const deadline = Date.now() + 10_000;
          while (pids.some(isAlive) && Date.now() < deadline) await sleep(100);
          const survivors = pids.filter(isAlive);
          if (survivors.length > 0) log.push(`after the supervisor's SIGKILL, still alive: ${survivors.join(', ')}`);
          await start();
        }
      }

      // Every mission must finish: give the tree time to finish what the faults interrupted.
      const finished = new Map<string, Mission>();
      const deadline = Date.now() + 120_000 + MISSIONS * 5_000;
      while (finished.size < MISSIONS && Date.now() < deadline) {
        for (const [tag, id] of ids) {
          if (finished.has(tag)) continue;
          const m = await tree!.bus
            .request<Mission>(tree!.bus.subjects.missions('get'), { id }, 5_000)
            .catch(() => undefined);
          if (m && ['done', 'failed', 'cancelled'].includes(m.status)) finished.set(tag, m);
        }
        await sleep(500);
      }
      progress(`${finished.size}/${MISSIONS} missions finished`);
      // Notifications still in the outbox go out within a few seconds.
      await sleep(3_000);

      const runsOf = (tag: string) => completeRuns.get(tag) ?? 0;
      // chaos7x1 must not count chaos7x10's notices: the tag ends where the digits do.
      const noticesOf = (tag: string) =>
        telegram.sent.filter((m) => new RegExp(`${tag}(?!\\d)`).test(m.shown) || m.shown.includes(ids.get(tag)!));
      const figures = {
        seed: SEED,
        missions: MISSIONS,
        faults: Object.values(faults).reduce((a, b) => a + b, 0),
        missionsLost: tags.filter((t) => !finished.has(t)).length,
        missionsFailed: [...finished.values()].filter((m) => m.status !== 'done').length,
        missionsRunTwice: tags.filter((t) => runsOf(t) > 1).length,
        missionsRetried: [...finished.values()].filter((m) => m.attempts > 1).length,
        notificationsLost: tags.filter((t) => finished.has(t) && noticesOf(t).length === 0).length,
        notificationsDoubled: tags.filter((t) => noticesOf(t).length > 1).length,
        childrenNotHealedInTime: unhealed,
        slowestBackToRunningMs: slowestReadyMs,
        orphans: 0,
      };
      const live = tree!;
      tree = undefined;
      await live.stop('SIGTERM', { keepStateDir: true }).catch((error: unknown) => log.push(String(error)));
      await sleep(500);
      const orphans = processesUnder([stateDir, world.dir]);
      for (const p of orphans) process.kill(p.pid, 'SIGKILL');
      figures.orphans = orphans.length;

      const report = [
        `chaos seed ${SEED}: ${figures.faults} faults (${Object.entries(faults)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}), ${MISSIONS} missions on ${RUNNERS.length} runners`,
        `  state dir (logs kept) ${stateDir}`,
        ...Object.entries(figures).map(([k, v]) => `  ${k.padEnd(24)} ${v}`),
        ...log.map((line) => `  note: ${line}`),
        ...tags
          .filter((t) => !finished.has(t) || noticesOf(t).length !== 1 || runsOf(t) !== 1)
          .flatMap((t) => [
            `  ${t} (${ids.get(t)}): ${finished.get(t)?.status ?? 'unfinished'}, runs ${runsOf(t)}, notices ${noticesOf(t).length}`,
            ...(runsOf(t) > 1 ? faultsAround(runTimes.get(t) ?? [], faultLog).map((line) => `    ${line}`) : []),
            ...(noticesOf(t).length > 1
              ? noticesOf(t).map((m) => `    notice ${m.message_id}: ${JSON.stringify(m.shown.slice(0, 300))}`)
              : []),
          ]),
      ].join('\n');
      console.log(report);
      if (REPORT) appendFileSync(REPORT, `${report}\n`);
      expect({
        missionsLost: figures.missionsLost,
        missionsRunTwice: figures.missionsRunTwice,
        notificationsLost: figures.notificationsLost,
        notificationsDoubled: figures.notificationsDoubled,
        childrenNotHealedInTime: figures.childrenNotHealedInTime,
        orphans: figures.orphans,
      }).toEqual({
        missionsLost: 0,
        missionsRunTwice: 0,
        notificationsLost: 0,
        notificationsDoubled: 0,
        childrenNotHealedInTime: 0,
        orphans: 0,
      });
    },
    (10 + FAULTS / 4 + MISSIONS / 2) * 60_000,
  );
});
