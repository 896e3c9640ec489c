// Starting the tree's OS processes (docs/architecture.md#the-lifeline). Each child's stdin is a
// pipe whose write end only the supervisor holds, so when the supervisor dies, even by SIGKILL,
// the child reads end-of-file and exits; nats-server gets a one-line sh wrapper that watches the
// pipe and then becomes the server (exec), keeping the pid the server's.
// node:child_process rather than execa: the child's stdout and stderr must be the log file's
// descriptor itself, which execa's options do not express. No child inherits the supervisor's
// environment: each gets the allow-list of its kind (src/secrets/actorEnv.ts).
import { spawn, type ChildProcess as NodeChild } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { LIFELINE_ENV } from '../actors/lifeline.js';
import { signalProcess } from '../process.js';
import type { RoshiConfig } from '../config/schema.js';
import { actorEnvironment, childKindOf, type ChildKind } from '../secrets/actorEnv.js';
import { liveMainScript } from '../update/releaseLink.js';

export interface ChildProcess {
  pid: number;
  startedAt: number;
  /** Resolves when the process has exited, never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export interface SpawnOptions {
  logDir: string;
  /** The child's own variables (its bus credential, the state dir, …), set over its allow-list. */
  env: Record<string, string>;
  /** What decides which of the supervisor's secrets a child of each kind receives. */
  config: Pick<RoshiConfig, 'github' | 'bridge' | 'agent' | 'secrets' | 'stateDir'>;
}

/**
 * glibc gives busy threads malloc arenas of their own and keeps what a burst freed in them: after
 * loading a full missions bucket an actor's RSS stayed ~8 MB above its heap. Two arenas halve
 * that (bench/missions-memory.mjs). The operator's own MALLOC_ARENA_MAX wins.
 */
export const ACTOR_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

export function spawnActor(name: string, args: string[], options: SpawnOptions): ChildProcess {
  const malloc = process.env.MALLOC_ARENA_MAX === undefined ? ACTOR_MALLOC_ENV : {};
  const env = childEnv(options, childKindOf(name), { ...malloc, ...options.env, [LIFELINE_ENV]: '1' });
  return start(
    name,
    process.execPath,
    [liveMainScript(options.config.stateDir), 'actor', name, ...args],
    env,
    options.logDir,
  );
}

function childEnv(options: SpawnOptions, kind: ChildKind, own: Record<string, string>): Record<string, string> {
  return actorEnvironment(options.config, kind, process.env, own);
}

// sh gives a background job /dev/null as stdin, so the lifeline is handed over on fd 3; the
// server itself gets neither, so only the watcher holds the pipe.
const NATS_WRAPPER =
  'exec 3<&0; (while read -r _ <&3; do :; done; kill -TERM $$ 2>/dev/null) & exec "$0" "$@" </dev/null 3<&-';

export function spawnNatsServer(binary: string, args: string[], options: SpawnOptions): ChildProcess {
  return start(
    'nats',
    '/bin/sh',
    ['-c', NATS_WRAPPER, binary, ...args],
    childEnv(options, 'nats', options.env),
    options.logDir,
  );
}

/** SIGTERM also sends SIGCONT, as systemd does: a stopped process could not act on SIGTERM. */
export function sendSignal(pid: number, signal: 'SIGTERM' | 'SIGKILL'): boolean {
  const delivered = signalProcess(pid, signal);
  if (signal === 'SIGTERM') signalProcess(pid, 'SIGCONT');
  return delivered;
}

function start(name: string, file: string, args: string[], env: Record<string, string>, logDir: string): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const log = openSync(join(logDir, `${name}.log`), 'a');
  let child: NodeChild;
  try {
    child = spawn(file, args, {
      env,
      stdio: ['pipe', log, log],
      // Its own process group: a Ctrl-C (SIGINT to the terminal's foreground group) reaches only
      // the supervisor, which then stops the children in order instead of all at once.
      detached: true,
    });
  } finally {
    closeSync(log); // the child has its own copy
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${file} did not start`);
  child.on('error', () => {}); // reported through 'exit'/'close'
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      child.stdin?.destroy(); // close the lifeline's write end (and the nats wrapper's)
      resolve({ code, signal });
    });
  });
  return { pid, startedAt: Date.now(), exited };
}
