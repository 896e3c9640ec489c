// A real nats-server per test file: random free port, JetStream store in a temp dir, killed and
// removed in afterAll. The same way nats.js tests its own client; `useNats()` is the two-line form. `config` adds to the server's
// config file (authorization, tls, operator mode…): see natsAuth.ts for ready-made auth setups.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { silentLogger } from '../../src/log.js';
import { findNatsServer, freePort, probePort } from '../../src/bus/embedded-server.js';

export interface TestNats {
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

export interface NatsOptions {
  /** Extra top-level server config (JSON is valid nats-server config). */
  config?: Record<string, unknown>;
  /** URL scheme clients should use: tls:// when the server requires TLS. */
  scheme?: 'nats' | 'tls';
  /** Config text appended as is (nats-server syntax, e.g. a block with $VARIABLE passwords). */
  configText?: string;
  /** The server's environment (the variables such a block refers to). */
  env?: Record<string, string>;
}

export async function startNats(options: NatsOptions = {}): Promise<TestNats> {
  const binary = findNatsServer('');
  const dir = mkdtempSync(join(tmpdir(), 'roshi-nats-'));
  const port = await freePort('127.0.0.1');
  const configFile = join(dir, 'server.conf');
  const config = { listen: `127.0.0.1:${port}`, jetstream: { store_dir: join(dir, 'js') }, ...options.config };
  const text = Object.entries(config)
    .map(([key, value]) => `${key}: ${JSON.stringify(value, null, 2)}`)
    .join('\n');
  writeFileSync(configFile, `${text}\n${options.configText ?? ''}`, { mode: 0o600 });
  let output = '';
  const server: ResultPromise = execa(binary, ['-c', configFile], {
    reject: false,
    all: true,
    buffer: false,
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
  });
  server.all?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!(await probePort('127.0.0.1', port, 200))) {
    if (Date.now() > deadline || server.exitCode !== null) {
      server.kill('SIGKILL');
      await server;
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nats-server did not start within 10 s:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `${options.scheme ?? 'nats'}://127.0.0.1:${port}`,
    port,
    pid: server.pid!,
    stop: async () => {
      server.kill('SIGTERM');
      await server;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NatsFixture {
  /** The server's URL; valid inside tests and hooks (after the fixture's beforeAll). */
  readonly url: string;
  /** The running server (port, pid, stop) for the tests that need more than the URL. */
  readonly server: TestNats;
  /** A Bus on this server, drained by the fixture before the server stops. */
  connect: (name: string, prefix: string) => Promise<Bus>;
}

/**
 * A nats-server for the whole test file in one line: registers its own beforeAll/afterAll.
 * Call it first in the file, so its afterAll runs last (vitest runs hooks as a stack) and the
 * file's own clean-up still sees the server.
 */
export function useNats(options: NatsOptions = {}): NatsFixture {
  let server: TestNats | undefined;
  const buses: Bus[] = [];
  beforeAll(async () => {
    server = await startNats(options);
  });
  afterAll(async () => {
    for (const bus of buses) await bus.drain().catch(() => {});
    await server?.stop();
  });
  const running = (): TestNats => {
    if (!server) throw new Error('useNats: the server is not started yet (use it inside tests or hooks)');
    return server;
  };
  return {
    get url() {
      return running().url;
    },
    get server() {
      return running();
    },
    connect: async (name, prefix) => {
      const bus = await Bus.connect({ url: running().url, name, prefix, logger: silentLogger() });
      buses.push(bus);
      return bus;
    },
  };
}
