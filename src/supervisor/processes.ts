// Starting the tree's OS processes. Each child gets a lifeline: its stdin is a pipe whose write
// end only the supervisor holds, so when the supervisor dies — even by SIGKILL — the child reads
// end-of-file and exits. nats-server cannot read a lifeline itself, so a two-line sh wrapper
// watches the pipe for it and then becomes the server (exec), keeping the pid the server's.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { LIFELINE_ENV } from '../actors/lifeline.js';
import { mainScript } from '../paths.js';
import { signalProcess } from '../process.js';

export interface ChildProcess {
  pid: number;
  startedAt: number;
  /** Resolves when the process has exited, never rejects. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

export interface SpawnOptions {
  logDir: string;
  env: Record<string, string>;
}

export function spawnActor(name: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(
    execa(process.execPath, [mainScript(), 'actor', name, ...args], {
      ...common(name, options),
      env: { ...options.env, [LIFELINE_ENV]: '1' },
    }),
  );
}

// sh gives a background job /dev/null as stdin, so the lifeline is handed over on fd 3; the
// server itself gets neither, so only the watcher holds the pipe.
const NATS_WRAPPER = 'exec 3<&0; (while read -r _ <&3; do :; done; kill -TERM $$ 2>/dev/null) & exec "$0" "$@" </dev/null 3<&-';

export function spawnNatsServer(binary: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(execa('/bin/sh', ['-c', NATS_WRAPPER, binary, ...args], { ...common('nats', options), env: options.env }));
}

/** SIGTERM also sends SIGCONT, as systemd does: a stopped process could not act on SIGTERM. */
export function sendSignal(pid: number, signal: 'SIGTERM' | 'SIGKILL'): boolean {
  const delivered = signalProcess(pid, signal);
  if (signal === 'SIGTERM') signalProcess(pid, 'SIGCONT');
  return delivered;
}

function common(name: string, options: SpawnOptions) {
  mkdirSync(options.logDir, { recursive: true });
  // A file descriptor, not execa's { file } target: the child writes its log directly, so its
  // output neither passes through the supervisor nor breaks when the supervisor is gone.
  const log = openSync(join(options.logDir, `${name}.log`), 'a');
  setImmediate(() => closeSync(log));
  return {
    stdin: 'pipe' as const,
    stdout: log,
    stderr: log,
    reject: false,
    // The supervisor stops its children itself, in order; execa's exit hook would race it.
    cleanup: false,
    extendEnv: true,
  };
}

function track(subprocess: ResultPromise): ChildProcess {
  const pid = subprocess.pid;
  if (pid === undefined) {
    // execa reports the spawn error through the promise; surface it synchronously here.
    throw new Error('process did not start');
  }
  const exited = subprocess.then(
    (result) => {
      subprocess.stdin?.destroy(); // close the lifeline's write end (and the nats wrapper's)
      return { code: result.exitCode ?? null, signal: result.signal ?? null };
    },
    () => ({ code: null, signal: null }),
  );
  return { pid, startedAt: Date.now(), exited };
}
