// A real nats-server per test file: random free port, JetStream store in a temp dir, killed and
// removed in afterAll. The same way nats.js tests its own client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { findNatsServer, freePort, probePort } from '../../src/bus/embedded-server.js';

export interface TestNats {
  url: string;
  port: number;
  pid: number;
  stop: () => Promise<void>;
}

export async function startNats(): Promise<TestNats> {
  const binary = findNatsServer('');
  const storeDir = mkdtempSync(join(tmpdir(), 'roshi-nats-'));
  const port = await freePort('127.0.0.1');
  const server: ResultPromise = execa(binary, ['--addr', '127.0.0.1', '--port', String(port), '--jetstream', '--store_dir', storeDir], {
    reject: false,
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await probePort('127.0.0.1', port, 200))) {
    if (Date.now() > deadline) throw new Error('nats-server did not start within 10 s');
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    pid: server.pid!,
    stop: async () => {
      server.kill('SIGTERM');
      await server;
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
