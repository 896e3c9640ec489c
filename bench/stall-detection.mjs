// The stall rules' detection latency and the runner's CPU while it follows a fast agent stream
// (docs/missions.md#stalls-and-budgets-per-mission). Two measurements, both on dist/:
//
//   latency (judged): the real RunSteering, fed a turn every TURN_MS with real timers and the real
//     worktree fingerprint of a git repository, once per rule with its symptom from the first
//     turn; the time from the moment the rule's threshold is reached (its Nth call or error, its
//     Nth turn, its quiet time and turns) to the nudge. Target: within one agent turn, so the
//     ratio is latency / TURN_MS, against 1.
//   cpu (judged): the real Claude Code CLI against the scripted API runs TURNS quick turns; its
//     CPU (itself and its children, from bash's `times`) is the agent's. The runner's is what its
//     per-line path (parse, transcript, steering with the spend meter and stall watch) costs on
//     those very lines, replayed here and measured with process.cpuUsage. Target: < 5 %.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFake } from './fakes.mjs';
import { fmt, main, median, onCleanup, passMiss, ROOT, table } from './lib.mjs';

const TURN_MS = Number(process.env.BENCH_STALL_TURN_MS ?? 200);
const TURNS = Number(process.env.BENCH_STALL_TURNS ?? 30);
const REPLAYS = 50;
const CPU_TARGET = 0.05;
const dist = (path) => import(join(ROOT, 'dist', 'src', path));

const { RunSteering } = await dist('adapters/agent/runSteering.js');
const { worktreeFingerprint } = await dist('adapters/agent/worktreeFingerprint.js');
const { parseStreamLine } = await dist('adapters/agent/streamJson.js');
const { RunTranscript } = await dist('adapters/agent/runTranscript.js');
const { silentLogger } = await dist('log.js');

const OFF = { repeatedCall: 0, repeatedError: 0, noProgressMs: 0, noProgressTurns: 0, turnsWithoutEdits: 0 };
const TIERS = { nudge: true, graceTurns: 2, checkIntervalMs: 100, stopGraceMs: 60_000 };
const NO_BUDGET = { usd: 0, tokens: 0, turns: 0 };

let messages = 0;
const call = (command) => ({
  kind: 'assistant',
  texts: [],
  toolUses: [{ name: 'Bash', input: { command } }],
  messageId: `m${(messages += 1)}`,
});
const failure = { kind: 'tool_results', results: [{ isError: true, text: 'Exit code 1: tests failed' }] };
const fine = { kind: 'tool_results', results: [{ isError: false, text: 'ok' }] };

/** Per rule: its settings, the turn's events, and when its threshold is reached (turn number, or ms after the start). */
const RULES = [
  { rule: 'repeated-call', settings: { repeatedCall: 5 }, turn: () => [call('npm test'), fine], atTurn: 5 },
  {
    rule: 'repeated-error',
    settings: { repeatedError: 5 },
    turn: (i) => [call(`npm test -- --shard ${i}`), failure],
    atTurn: 5,
  },
  {
    rule: 'no-progress',
    settings: { noProgressMs: 10 * TURN_MS, noProgressTurns: 5 },
    turn: (i) => [call(`cat file-${i}`), fine],
    atMs: 10 * TURN_MS,
    atTurn: 5,
  },
  {
    rule: 'turns-without-edits',
    settings: { turnsWithoutEdits: 0.5 },
    maxTurns: 20,
    turn: (i) => [call(`grep -r thing-${i}`), fine],
    atTurn: 10,
  },
];

function gitRepo(dir) {
  mkdirSync(dir, { recursive: true });
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@x',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@x',
      },
    });
  git('init', '-q');
  writeFileSync(join(dir, 'README.md'), 'bench\n');
  git('add', '.');
  git('commit', '-qm', 'seed');
  return dir;
}

/** One rule's run: a turn every TURN_MS until the nudge; returns ms from its threshold to the nudge. */
async function detectionLatency(spec, repo) {
  const startedAt = Date.now();
  const turnAt = [];
  let nudgedAt;
  const steering = new RunSteering(
    { stall: { ...OFF, ...spec.settings, ...TIERS }, budget: NO_BUDGET },
    spec.maxTurns ?? 50,
    {
      input: { user: () => true, interrupt: () => true, close: () => {} },
      fingerprint: () => worktreeFingerprint(repo),
      report: (kind) => {
        if (kind === 'stall' && nudgedAt === undefined) nudgedAt = Date.now();
      },
      kill: () => {},
      log: silentLogger(),
    },
  );
  for (let i = 1; i <= 200 && nudgedAt === undefined; i += 1) {
    await new Promise((r) => setTimeout(r, TURN_MS));
    turnAt[i] = Date.now();
    for (const event of spec.turn(i)) steering.observe(event);
  }
  steering.dispose();
  if (nudgedAt === undefined) throw new Error(`${spec.rule}: never detected`);
  const threshold = Math.max(turnAt[spec.atTurn] ?? 0, spec.atMs === undefined ? 0 : startedAt + spec.atMs);
  // One agent turn as it really went here (timers stretch on a loaded machine).
  const gaps = turnAt.slice(2).map((t, i) => t - (turnAt[i + 1] ?? t));
  return { latency: nudgedAt - threshold, turnMs: Math.max(TURN_MS, median(gaps)) };
}

/** The real CLI running TURNS quick turns; its stdout lines and its CPU in ms (itself and children). */
async function agentRun(dir) {
  const { startFakeAnthropic } = await importFake('anthropic');
  const fake = await startFakeAnthropic();
  onCleanup(() => fake.stop());
  let n = 0;
  fake.setHandler(() =>
    (n += 1) < TURNS
      ? {
          text: `step ${n}: `.repeat(20),
          toolUse: { name: 'Bash', input: { command: `echo ${n}`, description: 'step' } },
        }
      : { text: 'done' },
  );
  const home = join(dir, 'home');
  const cwd = gitRepo(join(dir, 'work'));
  mkdirSync(home);
  const claude = join(ROOT, 'node_modules', '.bin', 'claude');
  const args = ['--print', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
  args.push('--max-turns', String(TURNS + 5), '--allowedTools', 'Bash');
  const child = spawn('bash', ['-c', '"$0" "$@"; rc=$?; times >&2; exit $rc', claude, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'bench',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
  const prompt = { type: 'user', message: { role: 'user', content: [{ type: 'text', text: 'take many steps' }] } };
  child.stdin.write(`${JSON.stringify(prompt)}\n`);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('"type":"result"')) child.stdin.end();
  });
  child.stderr.on('data', (d) => (err += d));
  await new Promise((resolve) => child.once('close', resolve));
  // `times`: the shell's own user and sys, then its children's (the CLI and its tools).
  const times = err.trim().split('\n').slice(-1)[0] ?? '';
  const secs = [...times.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (secs.length !== 2) throw new Error(`no CPU times from the agent run: ${err.slice(-300)}`);
  return { lines: out.split('\n').filter((l) => l.trim() !== ''), cpuMs: (secs[0] + secs[1]) * 1000 };
}

/** The runner's per-line work on `lines`, as claude.ts does it, in CPU ms per pass. */
function runnerCpuMs(lines, repo) {
  const passes = [];
  for (let r = 0; r < REPLAYS; r += 1) {
    const before = process.cpuUsage();
    const transcript = new RunTranscript(
      () => {},
      () => {},
      silentLogger(),
      300,
    );
    const steering = new RunSteering(
      {
        stall: {
          repeatedCall: 5,
          repeatedError: 5,
          noProgressMs: 900_000,
          noProgressTurns: 10,
          turnsWithoutEdits: 0.8,
          ...TIERS,
          checkIntervalMs: 5_000,
        },
        budget: { usd: 100, tokens: 0, turns: 0 },
      },
      TURNS + 5,
      {
        input: { user: () => true, interrupt: () => true, close: () => {} },
        fingerprint: () => Promise.resolve(undefined),
        report: () => {},
        kill: () => {},
        log: silentLogger(),
      },
    );
    for (const line of lines) {
      transcript.stdoutTail.push(line);
      const event = parseStreamLine(line);
      if (!event) continue;
      transcript.handle(event, line);
      steering.observe(event);
    }
    steering.dispose();
    const used = process.cpuUsage(before);
    passes.push((used.user + used.system) / 1000);
  }
  return passes;
}

await main('stall-detection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-stall-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const repo = gitRepo(join(dir, 'repo'));

  const rows = [['rule', 'threshold', 'detected after', 'ratio to one turn']];
  const ratios = [];
  for (const spec of RULES) {
    const samples = [];
    for (let i = 0; i < 3; i += 1) samples.push(await detectionLatency(spec, repo));
    const worst = samples.reduce((a, b) => (b.latency / b.turnMs > a.latency / a.turnMs ? b : a));
    ratios.push(worst.latency / worst.turnMs);
    const threshold = spec.atMs ? `${spec.atMs} ms and turn ${spec.atTurn}` : `turn ${spec.atTurn}`;
    rows.push([
      spec.rule,
      threshold,
      `${fmt(worst.latency, 0)} ms (worst of 3; a turn took ${fmt(worst.turnMs, 0)} ms)`,
      fmt(worst.latency / worst.turnMs),
    ]);
  }
  console.log('');
  console.log(table(rows));

  const agent = await agentRun(dir);
  const runner = runnerCpuMs(agent.lines, repo);
  const cpuRatio = median(runner) / agent.cpuMs;
  console.log('');
  console.log(
    `stall-detection: the agent ran ${TURNS} turns, ${agent.lines.length} lines, ${fmt(agent.cpuMs, 0)} ms CPU; the runner's per-line path on them: median ${fmt(median(runner))} ms CPU over ${REPLAYS} replays`,
  );
  const worst = Math.max(...ratios);
  console.log(
    `stall-detection: detection latency, worst rule ${fmt(worst)} of one agent turn (target ≤ 1) ${passMiss(worst <= 1)}`,
  );
  console.log(
    `stall-detection: runner CPU / agent CPU ${fmt(cpuRatio * 100, 3)} % (target < ${CPU_TARGET * 100} %) ${passMiss(cpuRatio < CPU_TARGET)}`,
  );
});
