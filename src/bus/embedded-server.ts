// The embedded nats-server: found on PATH or in /usr/sbin (where Debian's package puts it),
// JetStream on, store in the state dir, loopback only, a free port, and authorization: one user
// per actor with the permissions of permissions.ts, in a config file (`-c`, never argv, so no
// password shows in `ps`), and JetStream syncing every write where the server's version takes it
// (docs/operations.md#jetstream-durability). Spawning and supervising the process is the
// supervisor's job; this module only knows how to describe and probe it.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { MissingDependencyError } from '../errors.js';
import { publishAllow, type NatsUserPermissions } from './permissions.js';

export interface EmbeddedServerSpec {
  binary: string;
  args: string[];
  host: string;
  port: number;
  url: string;
  /** The server config to write to `configFile` (0600): it holds every user's password. */
  configText: string;
  configFile: string;
  /** Whether the config asks JetStream to sync each write before acknowledging it. */
  syncAlways: boolean;
}

/** A user of the embedded server: its permissions and this tree start's password. */
export interface EmbeddedUser extends NatsUserPermissions {
  password: string;
}

const FALLBACK_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];

export function findNatsServer(
  configured: string,
  env: NodeJS.ProcessEnv = process.env,
  fallbackDirs = FALLBACK_DIRS,
): string {
  if (configured) {
    if (isExecutable(configured)) return configured;
    throw new MissingDependencyError(
      `nats.embedded.binary is ${JSON.stringify(configured)}, which is not an executable file`,
    );
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

export function embeddedServerSpec(options: {
  binary: string;
  host: string;
  port: number;
  storeDir: string;
  configFile: string;
  users: readonly EmbeddedUser[];
  /** Only for a server that takes `sync_interval: always` (2.10+; 2.9 refuses to start with it). */
  syncAlways?: boolean;
}): EmbeddedServerSpec {
  const { binary, host, port, storeDir, configFile, users } = options;
  const syncAlways = options.syncAlways === true;
  return {
    binary,
    host,
    port,
    url: `nats://${host}:${port}`,
    configFile,
    syncAlways,
    configText: natsServerConfig({
      listen: `${host}:${port}`,
      serverName: `roshi_${port}`,
      storeDir,
      users,
      syncAlways,
    }),
    args: ['-c', configFile],
  };
}

/**
 * A nats-server config (JSON is valid nats-server config syntax, and quoted strings are taken
 * literally, so `$JS.API.>` is a subject, not a variable). Checked against nats-server 2.9;
 * `syncAlways` adds `sync_interval: "always"`, which needs 2.10+.
 */
export function natsServerConfig(options: {
  listen: string;
  serverName: string;
  storeDir: string;
  users: readonly EmbeddedUser[];
  syncAlways?: boolean;
}): string {
  const config = {
    listen: options.listen,
    server_name: options.serverName,
    jetstream: { store_dir: options.storeDir, ...(options.syncAlways ? { sync_interval: 'always' } : {}) },
    // No users, no authorization block (the open baseline of bench/bus-auth.mjs).
    ...(options.users.length === 0
      ? {}
      : {
          authorization: {
            users: options.users.map((u) => ({
              user: u.user,
              password: u.password,
              permissions: {
                publish: { allow: publishAllow(u) },
                subscribe: { allow: u.subscribe },
                allow_responses: u.maxResponses === 1 ? true : { max: u.maxResponses },
              },
            })),
          },
        }),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** What `<binary> --version` prints (`nats-server: v2.9.10`), or undefined if it would not say. */
export function natsServerVersionText(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return undefined;
  }
}

/** A TCP port that was free a moment ago on `host`. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
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
