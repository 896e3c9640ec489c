// Runs the real supervisor from dist/ in a temp state dir with a test config, and gives tests
// what they need to watch it: a bus connection, the sup.events they saw, status polling, and a
// stop that leaves no process behind.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { stringify } from 'yaml';
import { Bus } from '../../src/bus/index.js';
import { readOperatorEnv } from '../../src/bus/credentials.js';
import type { Announcement } from '../../machines/childEvents.js';
import { silentLogger } from '../../src/log.js';
import { mainScript } from '../../src/paths.js';
import type { ChildRow, TreeStatus } from '../../src/supervisor/status.js';
import { isAlive } from './processes.js';

export interface TreeOptions {
  /** Config overrides merged over fast test timings. */
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** An external nats URL; default embedded. */
  natsUrl?: string;
  /** nats.* settings for an external server (the tree's config file, and the test's connection). */
  natsAuth?: { token?: string; user?: string; password?: string; credsFile?: string; tls?: { caFile?: string } };
  /** Only the test's own connection: a user of its own (e.g. the operator of per-actor users). */
  testAuth?: { user: string; password: string };
  /** Run this dist/main.js instead of the checkout's (see packageCopy.ts). */
  mainScript?: string;
  /** Reuse a state dir (a restarted supervisor); default a fresh temp dir. */
  stateDir?: string;
}

/** Timings short enough for tests, long enough for a loaded 2-core machine. */
export const FAST_TIMINGS = {
  heartbeat: { interval: '250ms' },
  watchdog: { checkInterval: '100ms', staleAfter: '1500ms', maxLoopLag: '3s' },
  supervision: {
    readyTimeout: '8s',
    ackTimeout: '500ms',
    cooperativeTimeout: '1500ms',
    sigtermGrace: '1500ms',
    backoff: { initial: '100ms', max: '1s', multiplier: 2, jitter: 0.1 },
    intensity: { maxRestarts: 5, period: '30s' },
    circuitOpenFor: '3s',
  },
  log: { level: 'debug' },
};

export class TestTree {
  readonly events: Announcement[] = [];
  private journalAtStop: Array<Announcement & { type: string }> | undefined;
  private constructor(
    readonly stateDir: string,
    readonly configFile: string,
    readonly process: ResultPromise,
    readonly bus: Bus,
    readonly output: () => string,
  ) {}

  static async start(options: TreeOptions = {}): Promise<TestTree> {
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'roshi-tree-'));
    const configFile = join(stateDir, 'test.yaml');
    const config = deepMerge(deepMerge({ stateDir }, FAST_TIMINGS), options.config ?? {});
    if (options.natsUrl) (config as { nats?: unknown }).nats = { url: options.natsUrl, ...options.natsAuth };
    writeFileSync(configFile, stringify(config));
    // A supervisor that was SIGKILLed left the old server's URL behind: wait for the new one.
    rmSync(join(stateDir, 'nats.url'), { force: true });
    let output = '';
    const child = execa(process.execPath, [options.mainScript ?? mainScript(), 'supervisor', '--config', configFile], {
      reject: false,
      env: { ...options.env, ROSHI_LOG__PRETTY: 'never' },
      all: true,
      buffer: false,
    });
    child.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = options.natsUrl ?? (await waitForFile(join(stateDir, 'nats.url'), 15_000, () => output));
    // The embedded server lets in only its users: the test speaks as the operator, like the CLI.
    const operator = options.natsUrl ? undefined : readOperatorEnv(stateDir);
    if (!options.natsUrl && !operator) throw new Error(`supervisor wrote nats.url but no operator.env in ${stateDir}`);
    // The client waits for its server forever; a supervisor that dies while starting must fail
    // the test instead (its embedded server dies with it).
    const exited = child.then(() => {
      throw new Error(`the supervisor exited while starting\n${output.slice(-3000)}`);
    });
    exited.catch(() => undefined);
    const bus = await Promise.race([
      Bus.connect({
        url,
        name: 'test',
        prefix: 'roshi',
        logger: silentLogger(),
        ...(operator ? { user: operator.user, password: operator.password } : {}),
        ...options.natsAuth,
        ...options.testAuth,
      }),
      exited,
    ]);
    const tree = new TestTree(stateDir, configFile, child, bus, () => output);
    bus.subscribe(bus.subjects.supEvents, (payload) => void tree.events.push(payload as unknown as Announcement));
    return tree;
  }

  async status(): Promise<TreeStatus> {
    return this.bus.request<TreeStatus>(this.bus.subjects.supStatus, {}, 2_000);
  }

  async child(name: string): Promise<ChildRow> {
    const row = (await this.status()).children.find((c) => c.name === name);
    if (!row) throw new Error(`no child ${name}`);
    return row;
  }

  /** Polls status until every named child is running with a pid. */
  async waitForRunning(names: string[], timeoutMs = 30_000): Promise<TreeStatus> {
    return this.waitForStatus(
      (s) => names.every((n) => s.children.some((c) => c.name === n && c.state === 'running' && c.pid)),
      timeoutMs,
      `running: ${names.join(', ')}`,
    );
  }

  async waitForStatus(check: (s: TreeStatus) => boolean, timeoutMs: number, what: string): Promise<TreeStatus> {
    const deadline = Date.now() + timeoutMs;
    let last: TreeStatus | undefined;
    while (Date.now() < deadline) {
      try {
        last = await this.status();
        if (check(last)) return last;
      } catch {
        // supervisor busy or bus reconnecting: try again
      }
      await sleep(100);
    }
    throw new Error(
      `timed out waiting for ${what}; last status:\n${JSON.stringify(
        last?.children.map((c) => [c.name, c.state, c.pid, c.circuit]),
        null,
        0,
      )}\n--- supervisor output (tail) ---\n${this.output().slice(-4000)}`,
    );
  }

  async waitForEvent(match: (e: Announcement) => boolean, timeoutMs: number, what: string): Promise<Announcement> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events.find(match);
      if (found) return found;
      await sleep(50);
    }
    throw new Error(
      `timed out waiting for event ${what}; saw: ${this.events.map((e) => `${e.child}:${e.kind}`).join(' ')}`,
    );
  }

  /** Every pid the tree has now (supervisor, children). */
  async pids(): Promise<number[]> {
    const status = await this.status();
    return [status.supervisor.pid, ...status.children.map((c) => c.pid).filter((p): p is number => p !== null)];
  }

  /** SIGTERM the supervisor and wait for it; kill anything left as a last resort (and fail). */
  async stop(
    signal: 'SIGTERM' | 'SIGINT' = 'SIGTERM',
    options: { keepStateDir?: boolean } = {},
  ): Promise<{ exitCode: number | undefined }> {
    let known: number[] = [];
    try {
      known = await this.pids();
    } catch {
      // already down
    }
    await this.bus.nc.close().catch(() => undefined);
    this.process.kill(signal);
    const result = await this.process;
    const survivors = known.filter(isAlive);
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    this.journalAtStop = this.journal();
    // Every e2e test is also a check of the bus permission table: an actor refused is a bug.
    const refused = this.permissionViolations();
    if (!options.keepStateDir) rmSync(this.stateDir, { recursive: true, force: true });
    if (survivors.length) throw new Error(`processes survived the supervisor's stop: ${survivors.join(', ')}`);
    if (refused.length)
      throw new Error(
        `the bus refused roshi's own processes (src/bus/permissions.ts is missing a permission):\n${refused.join('\n')}`,
      );
    return { exitCode: result.exitCode };
  }

  /** Log lines where a roshi process (not a test's own connection) was refused by the bus. */
  permissionViolations(): string[] {
    const dir = join(this.stateDir, 'logs');
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.log') && n !== 'nats.log');
    } catch {
      return [];
    }
    return names.flatMap((n) =>
      readFileSync(join(dir, n), 'utf8')
        .split('\n')
        .filter((l) => /permissions violation/i.test(l))
        .map((l) => `${n}: ${l.slice(0, 300)}`),
    );
  }

  /** Runs a CLI command of the built roshi against this tree. */
  async cli(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
    const result = await execa(process.execPath, [mainScript(), ...args, '--config', this.configFile], {
      reject: false,
      env: { ROSHI_LOG__PRETTY: 'never' },
    });
    return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode };
  }

  /** Supervision entries of the journal file, in order. */
  journal(): Array<Announcement & { type: string }> {
    if (this.journalAtStop) return this.journalAtStop;
    try {
      return readFileSync(join(this.stateDir, 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Announcement & { type: string })
        .filter((e) => e.type === 'supervision');
    } catch {
      return [];
    }
  }

  /** Every message in the outbox stream. */
  async outbox(): Promise<Array<Record<string, unknown> & { child?: string; event?: string; text?: string }>> {
    const jsm = await this.bus.nc.jetstreamManager();
    const info = await jsm.streams.info(this.bus.subjects.outboxStream);
    const messages = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(this.bus.subjects.outboxStream, { seq }).catch(() => undefined);
      if (msg) messages.push(JSON.parse(new TextDecoder().decode(msg.data)));
    }
    return messages;
  }

  count(child: string, kind: string): number {
    return this.events.filter((e) => e.child === child && e.kind === kind).length;
  }

  log(name: string): string {
    try {
      return readFileSync(join(this.stateDir, 'logs', `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(path: string, timeoutMs: number, output: () => string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const text = readFileSync(path, 'utf8').trim();
      if (text) return text;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(`supervisor did not write ${path} within ${timeoutMs} ms\n${output().slice(-3000)}`);
}

export function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
