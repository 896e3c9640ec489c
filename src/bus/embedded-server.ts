// The embedded nats-server: found on PATH or in /usr/sbin (where Debian's package puts it),
// JetStream on, store in the state dir, loopback only, a free port. Spawning and supervising
// the process is the supervisor's job; this module only knows how to describe and probe it.
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { MissingDependencyError } from '../errors.js';

export interface EmbeddedServerSpec {
  binary: string;
  args: string[];
  host: string;
  port: number;
  url: string;
}

const FALLBACK_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

export function findNatsServer(configured: string, env: NodeJS.ProcessEnv = process.env, fallbackDirs = FALLBACK_DIRS): string {
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new MissingDependencyError(`nats.embedded.binary is ${JSON.stringify(configured)}, which is not an executable file`);
  }
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), ...fallbackDirs];
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server');
    if (isExecutable(candidate)) return candidate;
  }
  throw new MissingDependencyError(
    'nats-server was not found on PATH or in /usr/sbin. Install it with `sudo apt-get install nats-server` ' +
      '(Debian/Ubuntu), or set nats.url to an existing NATS server.',
  );
}

export function embeddedServerSpec(options: { binary: string; host: string; port: number; storeDir: string }): EmbeddedServerSpec {
  const { binary, host, port, storeDir } = options;
  return {
    binary,
    host,
    port,
    url: `nats://${host}:${port}`,
    args: ['--addr', host, '--port', String(port), '--jetstream', '--store_dir', storeDir, '--server_name', `roshi_${port}`],
  };
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on host:port. */
export function probePort(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
