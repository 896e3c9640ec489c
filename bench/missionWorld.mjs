// Everything the mission benchmarks need around a real tree (the bench's side of
// tests/harness/missionWorld.ts): a project on a local bare remote (tests/fakes/gitRemote.ts),
// the scripted Messages API of tests/fakes/anthropic.ts for the real Claude Code CLI
// (docs/claude-cli.md), a watcher for mission events and runner progress, and the same CLI run
// directly (the baseline each benchmark measures in the same run). No GitHub token reaches the
// tree (github.tokenEnv names a variable never set): the PR step is skipped, the mission still
// ends 'done' with its branch pushed.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { StringCodec } from 'nats';
import { importFake } from './fakes.mjs';
import { MARK, onCleanup, PACKAGE_ROOT, RUN_ID, sleep } from './lib.mjs';

const { conversationOf, startFakeAnthropic, writeFileStep } = await importFake('anthropic');
const { createSeededRemote, gitWith } = await importFake('gitRemote');

const sc = StringCodec();

export const CLAUDE = join(PACKAGE_ROOT, 'node_modules', '.bin', 'claude');
/** What roshi passes with agent.allowedTools: [Bash] and the default maxTurns (buildClaudeArgs). */
export const AGENT_ARGS = [
  '--print',
  '--output-format',
  'stream-json',
  '--verbose',
  '--max-turns',
  '50',
  '--allowedTools',
  'Bash',
];
/** A variable nobody sets: github.tokenEnv points at it, so the tree has no GitHub client. */
export const NO_TOKEN_ENV = 'BENCH_ROSHI_NO_GITHUB_TOKEN';

export const GIT_ENV = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  GIT_TERMINAL_PROMPT: '0',
};

export function gitSync(cwd, ...args) {
  return gitWith(GIT_ENV, cwd, ...args);
}

/** `sh -c <script>` with the git identity; resolves with the wall time in ms, rejects on failure. */
export function shTimed(cwd, script) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(
      'sh',
      ['-c', script],
      { cwd, env: { ...process.env, ...GIT_ENV, [MARK]: RUN_ID } },
      (error, stdout, stderr) => {
        const ms = performance.now() - t0;
        if (error) reject(new Error(`${script}: ${error.message}\n${stderr}`));
        else resolve(ms);
      },
    );
  });
}

/** The environment variables a bench must not hand to the tree or the agent. */
function cleanEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('ROSHI_') ||
      key.startsWith('ANTHROPIC_') ||
      key.startsWith('CLAUDE_') ||
      key === 'GITHUB_TOKEN' ||
      key === 'GH_TOKEN' ||
      key === NO_TOKEN_ENV
    )
      delete env[key];
  }
  return env;
}

// ---- the scripted Messages API ----------------------------------------------------------------

const MARKER = /bench-file-([a-z0-9]+)/;
/** The usage each answer reports (no cache tokens). */
const USAGE = { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

/** A mission naming `bench-file-<tag>` writes bench-<tag>.txt; anything else gets a short text answer. */
function fileWritingAgent(body) {
  const { text, toolResults } = conversationOf(body);
  const tag = MARKER.exec(text)?.[1];
  return tag ? writeFileStep(`bench-${tag}.txt`, `hello ${tag}`, toolResults) : { text: 'Nothing to do.' };
}

/**
 * tests/fakes/anthropic.ts, answering every POST /v1/messages with `agent(body, request)`
 * (default: the file-writing agent); `posts()` counts them. Stopped by the bench's cleanup.
 */
export async function startScriptedApi(agent = fileWritingAgent) {
  const fake = await startFakeAnthropic({ usage: USAGE });
  let posts = 0;
  const answering = (handler) => (body, request) => {
    posts++;
    return handler(body, request);
  };
  fake.setHandler(answering(agent));
  onCleanup(() => fake.stop());
  return {
    url: fake.url,
    posts: () => posts,
    /** Answers the requests from now on with `next` instead. */
    setAgent: (next) => fake.setHandler(answering(next)),
    stop: () => fake.stop(),
  };
}

// ---- the world ---------------------------------------------------------------------------------

/**
 * A bare remote with one commit on main, a clone for roshi (projects.app.path) and a second
 * clone for the direct runs, a HOME for the CLI shared by both, and the scripted API.
 */
export async function createMissionWorld() {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-world-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const clone = join(dir, 'app');
  const direct = join(dir, 'direct');
  const home = join(dir, 'home');
  mkdirSync(home);
  const bare = createSeededRemote(dir, GIT_ENV);
  gitSync(dir, 'clone', '-q', bare, clone);
  gitSync(dir, 'clone', '-q', bare, direct);
  const api = await startScriptedApi();
  const agentEnv = {
    ANTHROPIC_BASE_URL: api.url,
    ANTHROPIC_API_KEY: 'sk-test',
    HOME: home,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  const treeEnv = { ...cleanEnv(), ...GIT_ENV };
  // A direct run sees what roshi's agent sees: roshi's environment plus agent.env.
  const directEnv = { ...treeEnv, ...agentEnv };
  let directRuns = 0;
  return {
    dir,
    bare,
    clone,
    direct,
    home,
    api,
    agentEnv,
    /** Environment for the supervisor (spawnMarked merges it over process.env: unset keys are dropped). */
    treeEnv: Object.fromEntries(
      Object.keys(process.env)
        .map((k) => [k, treeEnv[k]])
        .concat(Object.entries(treeEnv)),
    ),
    config: (extra = {}) => ({
      projects: { app: { path: clone, baseBranch: 'main', remote: 'origin' } },
      git: { authorName: 'roshi-bench', authorEmail: 'roshi-bench@example.com' },
      github: { tokenEnv: NO_TOKEN_ENV },
      agent: { command: CLAUDE, allowedTools: ['Bash'], env: agentEnv },
      actors: { bridge: { enabled: false }, chat: { enabled: false }, prPoller: { enabled: false } },
      ...extra,
    }),
    remoteBranches: () =>
      gitSync(dir, '--git-dir', bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
        .split('\n')
        .filter(Boolean),
    /** Resets the direct clone to a fresh branch off origin/main (not timed). */
    resetDirect: () => {
      const branch = `direct-${++directRuns}`;
      gitSync(direct, 'fetch', '-q', 'origin');
      gitSync(direct, 'checkout', '-q', '-f', '-B', branch, 'origin/main');
      gitSync(direct, 'clean', '-qfdx');
      return branch;
    },
    /** The CLI run directly (see runAgentDirect) with the world's environment. */
    runDirect: (prompt, cwd = direct) => runAgentDirect({ prompt, cwd, env: directEnv }),
    /** `claude --version`: spawn to exit, ms. */
    versionRun: () => timeProcess(CLAUDE, ['--version'], { env: directEnv, cwd: direct }),
  };
}

/** The prompt roshi renders for a free mission (config/prompts/free.md), for the direct runs. */
export function renderedPrompt(text, branch) {
  const template = readFileSync(join(PACKAGE_ROOT, 'config', 'prompts', 'free.md'), 'utf8');
  const fields = {
    text,
    url: '',
    project: 'app',
    branch,
    baseBranch: 'main',
    remote: 'origin',
    ciLogs: '',
    id: 'direct',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name) => fields[name] ?? whole).replace(/\n{3,}/g, '\n\n');
}

/**
 * `claude <AGENT_ARGS>` with the prompt on stdin, stream-json parsed line by line, as the
 * adapter does. Resolves with ms from spawn to the system/init line and to exit, and the result.
 */
export function runAgentDirect({ prompt, cwd, env }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(CLAUDE, AGENT_ARGS, {
      cwd,
      env: { ...env, [MARK]: RUN_ID },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const forget = onCleanup(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    let initMs;
    let result;
    let stderr = '';
    child.on('error', reject);
    child.stdin.end(prompt);
    child.stderr.on('data', (c) => (stderr += c.toString()));
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on('line', (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.type === 'system' && event.subtype === 'init' && initMs === undefined) initMs = performance.now() - t0;
      if (event.type === 'result') result = event;
    });
    const closed = new Promise((r) => rl.once('close', r));
    child.once('exit', async (code, signal) => {
      const exitMs = performance.now() - t0;
      await closed;
      forget();
      if (code !== 0 || !result || result.is_error)
        return reject(
          new Error(
            `direct agent run failed (exit ${code ?? signal}): ${JSON.stringify(result)?.slice(0, 300)} ${stderr.slice(-500)}`,
          ),
        );
      resolve({ initMs, exitMs, result });
    });
  });
}

function timeProcess(file, args, { env, cwd }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, args, { cwd, env: { ...env, [MARK]: RUN_ID }, stdio: 'ignore' });
    child.on('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${file} ${args.join(' ')} exited ${code}`)),
    );
  });
}

// ---- watching missions -------------------------------------------------------------------------

/**
 * Follows <prefix>.missions.events and <prefix>.runner.runner-1.progress, stamping each message
 * with performance.now() (and Date.now(), to line up with log times) when it arrives here.
 */
export class MissionWatcher {
  constructor(tree, runner = 'runner-1') {
    this.tree = tree;
    this.events = new Map(); // id → Map(type → { t, wall, event })
    this.progress = new Map(); // missionId → Map(kind → first { t, wall, text })
    this.waiters = new Set();
    const subscribe = (subject, fn) =>
      tree.nc.subscribe(subject, {
        callback: (error, msg) => {
          if (error) return;
          const t = performance.now();
          const wall = Date.now();
          let payload;
          try {
            payload = JSON.parse(sc.decode(msg.data));
          } catch {
            return;
          }
          fn(payload, t, wall);
          for (const w of [...this.waiters]) w();
        },
      });
    this.subs = [
      subscribe('roshi.missions.events', (e, t, wall) => {
        if (typeof e.id !== 'string' || typeof e.type !== 'string') return;
        if (!this.events.has(e.id)) this.events.set(e.id, new Map());
        const seen = this.events.get(e.id);
        if (!seen.has(e.type)) seen.set(e.type, { t, wall, event: e });
      }),
      subscribe(`roshi.runner.${runner}.progress`, (p, t, wall) => {
        if (typeof p.missionId !== 'string' || typeof p.kind !== 'string') return;
        if (!this.progress.has(p.missionId)) this.progress.set(p.missionId, new Map());
        const seen = this.progress.get(p.missionId);
        if (!seen.has(p.kind)) seen.set(p.kind, { t, wall, text: p.text });
      }),
    ];
  }

  event(id, type) {
    return this.events.get(id)?.get(type);
  }

  firstProgress(id, kind) {
    return this.progress.get(id)?.get(kind);
  }

  /** Resolves with the first event of one of `types` for mission `id`. */
  waitForEvent(id, types, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (const type of types) {
          const hit = this.event(id, type);
          if (hit) {
            cleanup();
            resolve({ type, ...hit });
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `mission ${id}: no ${types.join('/')} event within ${timeoutMs} ms (${what}); saw ${[...(this.events.get(id)?.keys() ?? [])].join(', ')}\n${this.tree.output().slice(-1500)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  stop() {
    for (const sub of this.subs) sub.unsubscribe();
  }
}

/** Resolves once the runner's machine is back in idle (not still finishing the mission before). */
export async function waitRunnerIdle(tree, runner = 'runner-1', timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ping = await tree.request(`roshi.ctl.${runner}`, { verb: 'ping' }).catch(() => undefined);
    if (ping?.state === 'idle') return;
    if (Date.now() > deadline)
      throw new Error(`${runner} not idle within ${timeoutMs} ms (state ${JSON.stringify(ping?.state)})`);
    await sleep(20);
  }
}

/** Adds a mission over roshi.missions.add; resolves with the mission record and when the request was sent. */
export async function addMission(tree, text) {
  const t0 = performance.now();
  const wall = Date.now();
  const mission = await tree.request('roshi.missions.add', { text, source: 'nats', by: 'bench' }, 5_000);
  return { mission, t0, wall, replyMs: performance.now() - t0 };
}

/** The runner's JSON log lines (pino: `time` in ms since the epoch, `msg`). */
export function runnerLog(stateDir, runner = 'runner-1') {
  return actorLog(stateDir, runner);
}

/** An actor's JSON log lines (<stateDir>/logs/<name>.log); none when there is no log yet. */
export function actorLog(stateDir, name) {
  try {
    return readFileSync(join(stateDir, 'logs', `${name}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return undefined;
        }
      })
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Where one mission's time went, from the runner's log: claimed → agent started (workspace:
 * fetch, worktree, prompt render, spawn) → agent finished → pipeline commit → push → pr →
 * mission finished (store write, worktree removal included before it). Times in ms since the epoch.
 */
export function missionPhases(lines, missionId) {
  const find = (pred) => lines.find(pred)?.time;
  const inWorktree = (l) => typeof l.cwd === 'string' && l.cwd.endsWith(`/worktrees/${missionId}`);
  return {
    claimed: find((l) => l.msg === 'claimed' && l.mission === missionId),
    agentStarted: find((l) => l.msg === 'agent started' && inWorktree(l)),
    agentFinished: find((l) => l.msg === 'agent finished' && inWorktree(l)),
    commit: find((l) => l.mission === missionId && l.step === 'commit'),
    push: find((l) => l.mission === missionId && l.step === 'push'),
    pr: find((l) => l.mission === missionId && l.step === 'pr'),
    notify: find((l) => l.mission === missionId && l.step === 'notify'),
    finished: find((l) => l.msg === 'mission finished' && l.mission === missionId),
  };
}
