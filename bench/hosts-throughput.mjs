// Issue 13's throughput target (docs/scale-out.md): missions per minute with a fixed-duration
// scripted agent on 1, 2, 4 and 8 runners spread over two hosts, against the ideal runners × 60 /
// D_direct. A 3-node nats-server cluster (bench/cluster.mjs, R3) carries two supervisors from
// dist/, each with its own config, state dir, workspace clone of the project's `url` and host.id:
// h1 a full host, h2 a worker host (watchdog and runners). The agent is the real CLI against the
// scripted Messages API: one Bash call that sleeps BENCH_AGENT_MS and writes a file, so every
// mission commits and pushes a branch to the local bare remote. D_direct, the limit, is the same
// CLI run directly on the same prompt in the same run (median of a few). Both hosts are started
// afresh for each runner count (1: one runner on h1; else half on each).
//
//   node bench/hosts-throughput.mjs   (after `npm run build`; BENCH_AGENT_MS, default 60000;
//     BENCH_RUNNER_COUNTS, default 1,2,4,8; BENCH_MISSIONS_PER_RUNNER, default 3; BENCH_KEEP=1
//     keeps the run's directory: both hosts' state dirs, runner logs under <state>/logs)
//
// Target: missions/min ≥ 0.9 × the ideal at every count; each mission run once (attempts 1).
// Method and figures: docs/performance.md#throughput-over-two-hosts
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { clusterClient, startBenchCluster } from './cluster.mjs';
import { importFake } from './fakes.mjs';
import {
  clockTick,
  cpuJiffies,
  environment,
  fmt,
  MAIN,
  main,
  markedCpuTicks,
  median,
  onCleanup,
  passMiss,
  sleep,
  spawnMarked,
  table,
  Tree,
} from './lib.mjs';
import {
  actorLog,
  addMission,
  createMissionWorld,
  gitSync,
  missionPhases,
  MissionWatcher,
  renderedPrompt,
} from './missionWorld.mjs';

const AGENT_MS = Number(process.env.BENCH_AGENT_MS ?? 60_000);
const COUNTS = (process.env.BENCH_RUNNER_COUNTS ?? '1,2,4,8').split(',').map(Number);
const PER_RUNNER = Number(process.env.BENCH_MISSIONS_PER_RUNNER ?? 3);
const DIRECT_RUNS = 3;
const TARGET = 0.9;

const { conversationOf, writeFileStep } = await importFake('anthropic');

/** A worker host's actors (tests/harness/hostTrees.ts WORKER_HOST): watchdog and runners only. */
const WORKER_HOST = {
  missions: { enabled: false },
  bridge: { enabled: false },
  chat: { enabled: false },
  prPoller: { enabled: false },
  webhook: { enabled: false },
  web: { enabled: false },
};

/**
 * `bench-sleep-<tag>`: one Bash call that sleeps AGENT_MS and writes bench-<tag>.txt, then text;
 * `bench-file-<tag>`: the write alone (the warm-up). Counts each run's first request per tag.
 */
function sleepingAgent(runs) {
  return (body) => {
    const { text, toolResults } = conversationOf(body);
    const sleepTag = /bench-sleep-([a-z0-9]+)/.exec(text)?.[1];
    const fileTag = /bench-file-([a-z0-9]+)/.exec(text)?.[1];
    const tag = sleepTag ?? fileTag;
    if (!tag) return { text: 'Nothing to do.' };
    if (toolResults === 0) runs.set(tag, (runs.get(tag) ?? 0) + 1);
    if (!sleepTag) return writeFileStep(`bench-${tag}.txt`, `hello ${tag}`, toolResults);
    const seconds = (AGENT_MS / 1000).toFixed(3);
    return toolResults === 0
      ? {
          toolUse: {
            name: 'Bash',
            input: {
              command: `sleep ${seconds} && printf '%s' 'slept ${tag}' > bench-${tag}.txt`,
              description: 'work',
            },
          },
        }
      : { text: `Wrote bench-${tag}.txt.` };
  };
}

/**
 * `node dist/main.js supervisor` as host `id` with its own state dir and a clone of the project
 * already in its workspace (a host's workspace outlives restarts; the first clone is not
 * throughput). Returns a Tree (lib.mjs) for output() and stop(), and its runners' names.
 */
function startHost(world, dir, clusterUrl, { id, runners, full }) {
  const stateDir = mkdtempSync(join(dir, `${id}-`));
  const reposDir = join(stateDir, 'workspace', 'repos');
  mkdirSync(reposDir, { recursive: true });
  gitSync(reposDir, 'clone', '-q', '--origin', 'origin', world.bare, 'app');
  const base = world.config();
  const runner = runners ? { enabled: true, instances: runners } : { enabled: false };
  const config = {
    ...base,
    stateDir,
    host: { id },
    nats: { url: clusterUrl, replicas: 3 },
    projects: { app: { url: world.bare, baseBranch: 'main', remote: 'origin' } },
    actors: full ? { ...base.actors, runner } : { ...WORKER_HOST, runner },
  };
  const configFile = join(stateDir, 'bench.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawnMarked(process.execPath, [MAIN, 'supervisor', '--config', configFile], {
    env: world.treeEnv,
    logFile: join(stateDir, 'supervisor.out'),
  });
  const tree = new Tree(stateDir, configFile, child, undefined, clusterUrl);
  onCleanup(() => tree.stop());
  const names = Array.from({ length: runners }, (_, i) => `${id}-runner-${i + 1}`);
  return { id, tree, runners: names };
}

/** Until the missions actor serves its queue and every runner answers ping in idle. */
async function waitReady(client, hosts, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  const runners = hosts.flatMap((h) => h.runners);
  for (;;) {
    const missions = await client.request('roshi.missions.list', {}, 1_000).then(
      () => true,
      () => false,
    );
    const states = await Promise.all(
      runners.map((r) =>
        client.request(`roshi.ctl.${r}`, { verb: 'ping' }, 1_000).then(
          (p) => p?.state,
          () => undefined,
        ),
      ),
    );
    if (missions && states.every((s) => s === 'idle')) return;
    for (const h of hosts)
      if (h.tree.supervisor.exitCode !== null)
        throw new Error(`${h.id}'s supervisor exited ${h.tree.supervisor.exitCode}:\n${h.tree.output().slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(
        `hosts not ready within ${timeoutMs} ms (missions ${missions}, runners ${JSON.stringify(states)}):\n${hosts.map((h) => h.tree.output().slice(-1500)).join('\n')}`,
      );
    await sleep(200);
  }
}

await main('hosts-throughput', async () => {
  console.log(`hosts-throughput: ${environment()}`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-hosts-'));
  if (process.env.BENCH_KEEP) console.log(`hosts-throughput: keeping ${dir}`);
  else onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = await startBenchCluster(join(dir, 'cluster'));
  const world = await createMissionWorld();
  const runs = new Map();
  world.api.setAgent(sleepingAgent(runs));
  let seq = 0;

  // The limit: the CLI on the same prompt, directly (a quick warm-up first: a fresh HOME's first start).
  await world.runDirect(renderedPrompt(`write the file bench-file-w${++seq}`, world.resetDirect()));
  const direct = [];
  const directTicks = markedCpuTicks(); // the CLI runs are this process's reaped children
  for (let i = 0; i < DIRECT_RUNS; i++)
    direct.push(
      (await world.runDirect(renderedPrompt(`write the file bench-sleep-x${++seq}`, world.resetDirect()))).exitMs,
    );
  const dDirect = median(direct);
  const directCpuS = (markedCpuTicks() - directTicks) / clockTick() / DIRECT_RUNS;
  console.log(
    `hosts-throughput: agent sleeps ${AGENT_MS} ms; direct CLI run ${direct.map((ms) => fmt(ms, 0)).join(', ')} ms, D_direct = ${fmt(dDirect, 0)} ms (median); ${fmt(directCpuS)} CPU-s per run (with the idle cluster)`,
  );

  const rows = [
    [
      'runners',
      'h1+h2',
      'missions',
      'elapsed s',
      'missions/min',
      'ideal',
      'ratio',
      'cpu all / ours',
      'cpu-s/mission',
      '',
    ],
  ];
  const phaseRows = [
    [
      'runners',
      'first claim',
      'next claim',
      'workspace',
      'agent',
      'agent - D',
      'commit+push',
      'finish',
      'overhead',
      'on h1/h2',
    ],
  ];
  const verdicts = [];
  const onceProblems = [];
  let missionsTotal = 0;
  for (const count of COUNTS) {
    const perHost = count === 1 ? [1, 0] : [Math.ceil(count / 2), Math.floor(count / 2)];
    const hosts = [
      startHost(world, dir, cluster.url, { id: 'h1', runners: perHost[0], full: true }),
      startHost(world, dir, cluster.url, { id: 'h2', runners: perHost[1], full: false }),
    ];
    const output = () => hosts.map((h) => `--- ${h.id}\n${h.tree.output().slice(-1500)}`).join('\n');
    const client = await clusterClient(cluster.url, output);
    await waitReady(client, hosts);
    const watcher = new MissionWatcher(client);

    const n = count * PER_RUNNER;
    const cpu0 = { ...cpuJiffies(), ours: markedCpuTicks() };
    const t0 = performance.now();
    const added = [];
    for (let i = 0; i < n; i++) {
      const tag = `r${count}m${i + 1}s${++seq}`;
      added.push({ tag, ...(await addMission(client, `write the file bench-sleep-${tag}`)) });
    }
    const timeoutMs = (PER_RUNNER + 2) * (dDirect * 3 + 10_000);
    const ends = await Promise.all(
      added.map((a) =>
        watcher.waitForEvent(a.mission.id, ['finished', 'failed', 'cancelled'], timeoutMs, 'mission end'),
      ),
    );
    const elapsedMs = Math.max(...ends.map((e) => e.t)) - t0;
    const cpu1 = { ...cpuJiffies(), ours: markedCpuTicks() };
    for (const [i, end] of ends.entries())
      if (end.event.status !== 'done')
        throw new Error(
          `mission ${added[i].mission.id} ended ${end.event.status}: ${JSON.stringify(end.event.result ?? end.event)}`,
        );

    // Exactly once: the record's attempts and the scripted API's count of agent runs.
    for (const a of added) {
      const record = await client.request('roshi.missions.get', { id: a.mission.id }, 5_000);
      if (record.attempts !== 1 || runs.get(a.tag) !== 1)
        onceProblems.push(
          `${a.mission.id} (${count} runners): attempts ${record.attempts}, agent runs ${runs.get(a.tag)}; last error: ${record.lastError ?? 'none'}`,
        );
    }
    missionsTotal += n;

    // Where each mission's time went, from the log of the runner that finished it.
    await sleep(300); // the runners' last log lines
    const logs = new Map();
    const logOf = (runner) => {
      if (!logs.has(runner)) {
        const host = hosts.find((h) => runner.startsWith(`${h.id}-`));
        logs.set(runner, actorLog(host.tree.stateDir, runner));
      }
      return logs.get(runner);
    };
    const seg = { first: [], next: [], workspace: [], agent: [], push: [], finish: [], overhead: [] };
    const byHost = { h1: 0, h2: 0 };
    for (const [i, end] of ends.entries()) {
      const runner = end.event.runner;
      byHost[runner.split('-')[0]]++;
      const lines = logOf(runner);
      const p = missionPhases(lines, added[i].mission.id);
      // A runner's first claim counts from the add, a later one from its previous 'mission finished'.
      const before = lines.filter((l) => l.msg === 'mission finished' && l.time <= p.claimed).at(-1)?.time;
      const gap = p.claimed - Math.max(before ?? 0, added[i].wall);
      (before === undefined ? seg.first : seg.next).push(gap);
      seg.workspace.push(p.agentStarted - p.claimed);
      seg.agent.push(p.agentFinished - p.agentStarted);
      seg.push.push(p.push - p.agentFinished);
      seg.finish.push(p.finished - p.push);
      seg.overhead.push(p.finished - p.claimed - (p.agentFinished - p.agentStarted) + gap);
    }
    const m = (v) => fmt(median(v.filter(Number.isFinite)), 0);
    phaseRows.push([
      count,
      m(seg.first),
      m(seg.next),
      m(seg.workspace),
      m(seg.agent),
      fmt(median(seg.agent.filter(Number.isFinite)) - dDirect, 0),
      m(seg.push),
      m(seg.finish),
      m(seg.overhead),
      `${byHost.h1}/${byHost.h2}`,
    ]);

    const perMin = (n * 60_000) / elapsedMs;
    const ideal = (count * 60_000) / dDirect;
    const ratio = perMin / ideal;
    // Shares of the whole machine (2 cores = 100 %): busy at all, and busy with this run.
    const share = (key) => (100 * (cpu1[key] - cpu0[key])) / (cpu1.total - cpu0.total);
    rows.push([
      count,
      `${perHost[0]}+${perHost[1]}`,
      n,
      fmt(elapsedMs / 1000, 1),
      fmt(perMin, 2),
      fmt(ideal, 2),
      fmt(ratio),
      `${fmt(share('busy'), 0)} / ${fmt(share('ours'), 0)} %`,
      fmt((cpu1.ours - cpu0.ours) / clockTick() / n),
      passMiss(ratio >= TARGET),
    ]);
    verdicts.push(
      `hosts-throughput: ${count} runner(s): ${fmt(perMin, 2)} missions/min vs ideal ${fmt(ideal, 2)} = ${fmt(ratio)}x (target ≥ ${TARGET}x) ${passMiss(ratio >= TARGET)}`,
    );
    console.log(
      `hosts-throughput: ${count} runner(s) done in ${fmt(elapsedMs / 1000, 1)} s (load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
    );

    watcher.stop();
    await client.nc.close();
    for (const h of [...hosts].reverse()) await h.tree.stop();
  }

  console.log('');
  console.log(table(rows));
  console.log('');
  console.log(
    'per mission, medians in ms (runner logs; overhead = its claim gap + claimed → mission finished − agent):',
  );
  console.log(table(phaseRows));
  console.log('');
  for (const line of onceProblems) console.log(`hosts-throughput: not once: ${line}`);
  console.log(
    `hosts-throughput: ${missionsTotal - onceProblems.length} of ${missionsTotal} missions done with attempts 1 and one agent run each ${passMiss(onceProblems.length === 0)}`,
  );
  for (const line of verdicts) console.log(line);
});
