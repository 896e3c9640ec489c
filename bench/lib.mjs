// Shared plumbing for the benchmarks: a real supervision tree from dist/ in a temp state dir,
// process bookkeeping that leaves nothing behind, /proc readers, and small statistics.
//
// Every process a benchmark starts (the supervisor, and through it nats-server and the actors,
// plus any bare baseline process, and the agents) inherits ROSHI_TEST_RUN=<run id> in its
// environment — the one marker every roshi process hands on to its children, the agent
// included — so a final sweep finds survivors through /proc/<pid>/environ whatever their
// command line, and kills them by pid. Nothing here matches processes by name.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, StringCodec } from 'nats';
import { stringify } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The built package the benchmarks run: this checkout, or the private copy bench/run.mjs makes
 * of it right after the build (BENCH_PACKAGE_ROOT), so a rebuild by someone else during a long
 * run neither mixes builds nor makes the tree roll its actors for drift.
 */
export const PACKAGE_ROOT = process.env.BENCH_PACKAGE_ROOT || ROOT;
export const MAIN = join(PACKAGE_ROOT, 'dist', 'main.js');
export const MARK = 'ROSHI_TEST_RUN';
export const RUN_ID = `${process.pid}-${randomBytes(4).toString('hex')}`;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sc = StringCodec();

// ---- cleanup, also on Ctrl-C -------------------------------------------------------------------

const cleanups = [];
let cleaning;

/** Registers a cleanup step; steps run in reverse order of registration. */
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs every cleanup step, then kills whatever still carries this run's marker. */
export function cleanupAll() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop();
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup step failed: ${error?.message ?? error}`);
      }
    }
    const left = killMarked();
    if (left.length)
      console.error(`killed ${left.length} leftover process(es): ${left.map((p) => `${p.pid} ${p.args}`).join('; ')}`);
    return left;
  })();
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${signal}: stopping every process this benchmark started…`);
    const hardStop = setTimeout(() => {
      killMarked();
      process.exit(130);
    }, 30_000);
    hardStop.unref();
    void cleanupAll().finally(() => process.exit(130));
  });
}

/**
 * Runs a benchmark body with cleanup guaranteed. The body returns nothing; the process exits 0
 * whatever the figures were (benchmarks report, they do not gate), 1 only if the benchmark
 * itself could not run.
 */
export async function main(name, body) {
  let code = 0;
  const buildAtStart = buildId();
  try {
    await body();
  } catch (error) {
    console.error(`${name}: ERROR ${error?.stack ?? error}`);
    console.log(`${name}: could not run (${String(error?.message ?? error).split('\n')[0]}) ERROR`);
    code = 1;
  } finally {
    const left = await cleanupAll();
    if (left.length) console.log(`${name}: WARNING ${left.length} process(es) had to be killed in the final sweep`);
    if (buildId() !== buildAtStart) {
      console.log(
        `${name}: WARNING dist/ was rebuilt during the run (${buildAtStart} → ${buildId()}); the watchdog then reports drift and the tree rolls its actors, which disturbs these figures`,
      );
    }
  }
  process.exit(code);
}

/** The build id in dist/build.json now (a rebuild during a run makes the tree roll its actors). */
export function buildId() {
  try {
    return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'dist', 'build.json'), 'utf8')).buildId;
  } catch {
    return 'none';
  }
}

// ---- processes ---------------------------------------------------------------------------------

/** Spawns a process carrying this run's marker. Output goes to `logFile` (or nowhere). */
export function spawnMarked(file, args, { env = {}, logFile, stdin = 'ignore', detached = false } = {}) {
  if (interrupted) throw new Error('interrupted: not starting another process');
  const fd = logFile ? openSync(logFile, 'a') : 'ignore';
  let child;
  try {
    child = spawn(file, args, { env: { ...process.env, ...env, [MARK]: RUN_ID }, stdio: [stdin, fd, fd], detached });
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
  child.on('error', () => {});
  child.exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

/** Node processes spawned with a stdout pipe, resolved once they print `ready`. */
export function spawnReadyNode(args, { env = {}, timeoutMs = 15_000 } = {}) {
  if (interrupted) throw new Error('interrupted: not starting another process');
  // stdin is a lifeline: the process exits when this one is gone (see bare-client.mjs).
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env, [MARK]: RUN_ID },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.on('error', () => {});
  child.exitedPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  onCleanup(() => stopChild(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    void child.exitedPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited early (${code ?? signal})`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild(child, graceMs = 3_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await child.exitedPromise;
  clearTimeout(timer);
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return !procState(pid)?.startsWith('Z');
  } catch {
    return false;
  }
}

/** Kills (SIGCONT + SIGKILL) every live process carrying this run's marker; returns them. */
export function killMarked() {
  const found = markedProcesses();
  for (const { pid } of found) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Live processes (not this one) whose environment carries this run's marker, optionally filtered by one more KEY=value. */
export function markedProcesses(alsoEnv) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(`${MARK}=${RUN_ID}`)) continue;
      if (alsoEnv && !environ.includes(alsoEnv)) continue;
      if (procState(pid)?.startsWith('Z')) continue;
      found.push({ pid, args: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

// ---- /proc readers -----------------------------------------------------------------------------

/** Fields of /proc/<pid>/stat after the command name: [0] is the state, [1] ppid, [11] utime… */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function procState(pid) {
  try {
    return statFields(pid)[0];
  } catch {
    return undefined;
  }
}

export function procComm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function procArgs(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** utime + stime in clock ticks. */
export function cpuTicks(pid) {
  const f = statFields(pid);
  return Number(f[11]) + Number(f[12]);
}

/**
 * On-CPU time in ns and the number of times scheduled onto a CPU (≈ wake-ups), summed over the
 * process's threads (/proc/<pid>/task/<tid>/schedstat). Finer than utime+stime (whole ticks).
 * With `perThread`, also returns each thread's figures keyed by "tid comm".
 */
export function schedStat(pid, perThread = false) {
  let ns = 0;
  let slices = 0;
  const threads = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, , n] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      ns += run;
      slices += n;
      if (perThread)
        threads[`${tid} ${readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()}`] = { ns: run, slices: n };
    } catch {
      // thread gone
    }
  }
  return perThread ? { ns, slices, threads } : { ns, slices };
}

/** Busy and total jiffies of all CPUs together (/proc/stat): the machine's use between two reads. */
export function cpuJiffies() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3] - fields[4], total }; // idle and iowait are not busy
}

/**
 * CPU clock ticks spent by this process and every live process carrying the run's marker,
 * their waited-for children included (cutime + cstime): what the run itself used, to tell it
 * from everyone else's share of cpuJiffies(). A process that exited is counted in its parent.
 */
export function markedCpuTicks() {
  let ticks = 0;
  for (const pid of ['self', ...markedProcesses().map((p) => p.pid)]) {
    try {
      const f = statFields(pid);
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // gone meanwhile: its parent has it now
    }
  }
  return ticks;
}

/** Process start time in ms since boot (resolution: one clock tick). Compare with uptimeMs(). */
export function startTimeMs(pid) {
  const f = statFields(pid);
  return (Number(f[19]) / clockTick()) * 1000;
}

/** Time since boot in ms (/proc/uptime, 10 ms resolution), the clock process start times use. */
export function uptimeMs() {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
}

let tick;
export function clockTick() {
  tick ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return tick;
}

/** A field of /proc/<pid>/status in kB (VmRSS, RssAnon, RssFile, VmHWM…). */
export function statusKb(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Every descendant of `rootPid` (children, grandchildren…), from /proc ppid links. */
export function descendants(rootPid) {
  const parentOf = new Map();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      parentOf.set(pid, Number(statFields(pid)[1]));
    } catch {
      // gone
    }
  }
  const out = [];
  const queue = [rootPid];
  while (queue.length) {
    const parent = queue.shift();
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        out.push(pid);
        queue.push(pid);
      }
    }
  }
  return out;
}

// ---- the tree ----------------------------------------------------------------------------------

export class Tree {
  constructor(stateDir, configFile, supervisor, nc, url) {
    this.stateDir = stateDir;
    this.configFile = configFile;
    this.supervisor = supervisor;
    this.nc = nc;
    this.url = url;
    /** Every pid the tree reported at any time, for the leak check. */
    this.seenPids = new Set([supervisor.pid]);
  }

  /**
   * Starts `node dist/main.js supervisor --config <tmp yaml>` with `config` (only stateDir is
   * added) and connects a bench client to the embedded server it writes to <stateDir>/nats.url.
   */
  static async start(config = {}, { timeoutMs = 20_000, env = {} } = {}) {
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-bench-'));
    const configFile = join(stateDir, 'bench.yaml');
    writeFileSync(configFile, stringify({ stateDir, ...config }));
    const supervisor = spawnMarked(process.execPath, [MAIN, 'supervisor', '--config', configFile], {
      env,
      logFile: join(stateDir, 'supervisor.out'),
    });
    const tree = new Tree(stateDir, configFile, supervisor, undefined, undefined);
    onCleanup(() => tree.stop());
    const deadline = Date.now() + timeoutMs;
    while (!tree.url) {
      if (Date.now() > deadline)
        throw new Error(`supervisor wrote no nats.url within ${timeoutMs} ms:\n${tree.output().slice(-2000)}`);
      if (supervisor.exitCode !== null)
        throw new Error(`supervisor exited with ${supervisor.exitCode}:\n${tree.output().slice(-2000)}`);
      try {
        tree.url = readFileSync(join(stateDir, 'nats.url'), 'utf8').trim() || undefined;
      } catch {
        await sleep(50);
      }
    }
    // The embedded server lets in only its users: the bench speaks as the operator, like the CLI.
    tree.operator = tree.credential('operator');
    tree.nc = await connect({
      servers: tree.url,
      user: tree.operator.user,
      pass: tree.operator.password,
      name: 'bench',
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      timeout: 5_000,
    });
    return tree;
  }

  /** A user's password on the embedded server (from the 0600 server config the supervisor wrote). */
  credential(user) {
    const config = JSON.parse(readFileSync(join(this.stateDir, 'nats.conf'), 'utf8'));
    const entry = config.authorization.users.find((u) => u.user === user);
    if (!entry) throw new Error(`no NATS user ${user} in ${this.stateDir}/nats.conf`);
    return { user, password: entry.password };
  }

  /** Environment for a bare client (bench/bare-client.mjs) connecting as the operator. */
  get operatorEnv() {
    return { NATS_USER: this.operator.user, NATS_PASSWORD: this.operator.password };
  }

  output() {
    try {
      return readFileSync(join(this.stateDir, 'supervisor.out'), 'utf8');
    } catch {
      return '';
    }
  }

  async request(subject, payload = {}, timeout = 2_000) {
    const msg = await this.nc.request(subject, sc.encode(JSON.stringify(payload)), { timeout });
    const reply = JSON.parse(sc.decode(msg.data));
    if (reply.ok !== true) throw new Error(`${subject}: ${JSON.stringify(reply.error ?? reply)}`);
    return reply.data;
  }

  async status() {
    const status = await this.request('roshi.sup.status');
    this.seenPids.add(status.supervisor.pid);
    for (const c of status.children) if (c.pid) this.seenPids.add(c.pid);
    return status;
  }

  async waitForStatus(check, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    let last;
    while (Date.now() < deadline) {
      try {
        last = await this.status();
        if (check(last)) return last;
      } catch {
        // supervisor busy or still starting
      }
      await sleep(100);
    }
    throw new Error(
      `timed out waiting for ${what}; last status: ${JSON.stringify(last?.children?.map((c) => [c.name, c.state, c.pid]))}\n${this.output().slice(-2000)}`,
    );
  }

  /** Waits until every child (or the named ones) is running with a pid. */
  waitForRunning(names, timeoutMs = 30_000) {
    return this.waitForStatus(
      (s) =>
        s.children.length > 0 &&
        s.children.filter((c) => !names || names.includes(c.name)).every((c) => c.state === 'running' && c.pid),
      timeoutMs,
      names ? `running: ${names.join(', ')}` : 'every child running',
    );
  }

  /** Subscribes to a JSON subject; returns the subscription. */
  subscribe(subject, onMessage) {
    return this.nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error) return;
        try {
          onMessage(JSON.parse(sc.decode(msg.data)), msg.subject);
        } catch {
          // not JSON: not ours
        }
      },
    });
  }

  /**
   * Stops the supervisor (SIGTERM, which stops the children in order), waits for it, then
   * checks that no process of the tree survived; survivors are killed and reported.
   */
  async stop(timeoutMs = 20_000) {
    if (this.stopped) return this.stopped;
    this.stopped = (async () => {
      await this.nc?.close().catch(() => undefined);
      const sup = this.supervisor;
      if (sup.exitCode === null && sup.signalCode === null) {
        sup.kill('SIGTERM');
        const timer = setTimeout(() => sup.kill('SIGKILL'), timeoutMs);
        await sup.exitedPromise;
        clearTimeout(timer);
      }
      // Children notice their supervisor's exit through the lifeline; give them their drain.
      const deadline = Date.now() + 8_000;
      let left = markedProcesses(`ROSHI_STATE_DIR=${this.stateDir}`);
      while (left.length && Date.now() < deadline) {
        await sleep(100);
        left = markedProcesses(`ROSHI_STATE_DIR=${this.stateDir}`);
      }
      for (const { pid } of left) {
        try {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      if (left.length)
        console.error(
          `tree: ${left.length} process(es) survived the supervisor's stop and were killed: ${left.map((p) => `${p.pid} ${p.args}`).join('; ')}`,
        );
      if (!process.env.BENCH_KEEP) rmSync(this.stateDir, { recursive: true, force: true });
      return left;
    })();
    return this.stopped;
  }
}

// ---- statistics and output ---------------------------------------------------------------------

/**
 * A bare nats-server from the embedded server's config (dist/), with these users and permissions
 * ([] = no authorization), stopped at cleanup. Returns its URL once it accepts connections.
 */
export async function startConfiguredNats(dir, users = []) {
  const { embeddedServerSpec, findNatsServer, freePort, probePort } = await import(
    join(ROOT, 'dist', 'src', 'bus', 'index.js')
  );
  const port = await freePort('127.0.0.1');
  const spec = embeddedServerSpec({
    binary: findNatsServer(''),
    host: '127.0.0.1',
    port,
    storeDir: join(dir, 'js'),
    configFile: join(dir, 'nats.conf'),
    users,
  });
  writeFileSync(spec.configFile, spec.configText, { mode: 0o600 });
  const server = spawnMarked(spec.binary, spec.args);
  onCleanup(() => stopChild(server));
  for (const deadline = Date.now() + 10_000; !(await probePort('127.0.0.1', port, 200)); await sleep(25)) {
    if (Date.now() > deadline) throw new Error('nats-server did not start');
  }
  return spec.url;
}

/**
 * Latency samples (ms) of each variant (an async function), one call at a time: a warm-up, then
 * interleaved blocks whose order alternates, so every variant shares the machine's noise.
 */
export async function interleavedSamples(variants, { count, warmup, block, timeLimitMs }) {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  const run = async (name, n, record) => {
    for (let i = 0; i < n; i++) {
      const t0 = process.hrtime.bigint();
      await variants[name]();
      if (record) samples[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  for (let i = 0; i < warmup / block; i++) for (const name of names) await run(name, block, false);
  const started = Date.now();
  for (let b = 0; samples[names[0]].length < count && Date.now() - started < timeLimitMs; b++) {
    const order = b % 2 ? [...names].reverse() : names;
    for (const name of order) await run(name, Math.min(block, count - samples[name].length), true);
  }
  return samples;
}

export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** A fixed-width table: first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '),
    )
    .join('\n');
}

export const fmt = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function passMiss(ok) {
  return ok ? 'PASS' : 'MISS';
}

/** The machine's context, printed once by each benchmark. */
export function environment() {
  let cpu = 'unknown cpu';
  try {
    cpu = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux?
  }
  let natsVersion = '?';
  try {
    natsVersion = execFileSync('nats-server', ['--version'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin` },
    }).trim();
  } catch {
    // not on PATH
  }
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // not Linux
  }
  let cores = '?';
  try {
    cores = String(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor\s*:/gm)?.length ?? '?');
  } catch {
    // not Linux
  }
  return `build ${buildId()}${PACKAGE_ROOT === ROOT ? '' : ' (snapshot)'}, node ${process.version}, ${natsVersion}, ${cores} cores (${cpu}), load ${load}`;
}

/** Mission store settings for the benches that open a MissionStore directly (the defaults' shape). */
export function benchMissionSettings(projectNames = ['app']) {
  return {
    maxAttempts: 3,
    maxTransientAttempts: 6,
    leaseMs: 30_000,
    leaseRenewMs: 10_000,
    retryBackoff: { initialMs: 30_000, maxMs: 1_800_000 },
    keepDone: 20,
    keepFailed: 20,
    projects: { names: projectNames, defaultProject: projectNames[0] },
  };
}
