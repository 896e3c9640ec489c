// Real actor processes of several hosts on one NATS server, started from dist/ the way the
// supervisor starts them (`node dist/main.js actor <host>-<kind>`, a lifeline on stdin, the log
// in a file), each with its own config file (its host.id), plus the heartbeats they publish.
// Used by tests/integration/singletonFailover.test.ts and bench/singleton-failover.mjs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bus } from '../../src/bus/bus.js';
import type { HeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { toHeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { packageRoot } from '../../src/paths.js';

export interface HostActor {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  log: () => string;
}

/** Writes `<dir>/<host>.yaml` (YAML is JSON's superset) and returns its path. */
export function writeHostConfig(dir: string, host: string, config: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${host}.yaml`);
  const stateDir = join(dir, `state-${host}`);
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...config, host: { id: host }, stateDir }, null, 2));
  return file;
}

/** Starts actor `name` with config file `configFile`; its stdin is its lifeline to this process. */
export function startHostActor(
  name: string,
  configFile: string,
  logDir: string,
  env: Record<string, string> = {},
): HostActor {
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [join(packageRoot(), 'dist', 'main.js'), 'actor', name], {
      env: { ...process.env, ROSHI_CONFIG: configFile, ROSHI_LIFELINE: '1', ...env },
      stdio: ['pipe', log, log],
    });
  } finally {
    closeSync(log);
  }
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { name, pid: child.pid!, child, exited, log: () => readFileSync(logFile, 'utf8') };
}

/** Stops `actor` if it still runs (continued first, in case a test left it stopped). */
export async function stopHostActor(actor: HostActor): Promise<void> {
  if (actor.child.exitCode !== null || actor.child.signalCode !== null) return;
  actor.child.kill('SIGCONT');
  actor.child.kill('SIGKILL');
  await actor.exited;
}

/** The latest heartbeat of each actor on `bus`, by actor name, kept up to date. */
export function watchHeartbeats(bus: Bus): { latest: Map<string, HeartbeatRecord>; stop: () => void } {
  const latest = new Map<string, HeartbeatRecord>();
  const stop = bus.subscribe(`${bus.prefix}.hb.>`, (payload) => {
    const record = toHeartbeatRecord(payload, Date.now());
    if (record) latest.set(record.actor, record);
  });
  return { latest, stop };
}
