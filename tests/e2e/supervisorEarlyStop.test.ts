// A stop signal that reaches the supervisor while it is still starting: it stops the tree it has
// begun and exits 0. It neither dies of the signal's default action (leaving the nats child and
// the lock behind) nor loses the signal and starts the whole tree. The signal is sent the moment
// nats.url appears: the end of set-up, just before the machine and its lifecycle exist. And a
// start waiting for an external NATS system that does not answer ends at a stop signal.
import { mkdtempSync, readdirSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mainScript } from '../../src/paths.js';
import { onlyActors } from '../harness/actorSelection.js';
import { liveProcessesWhere } from '../harness/procScan.js';
import { FAST_TIMINGS } from '../harness/tree.js';
import { until } from '../harness/until.js';

const ROUNDS = 4;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    for (const pid of processesOf(dir)) process.kill(pid, 'SIGKILL'); // only after a failure
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Processes started for this state dir (the supervisor hands ROSHI_STATE_DIR to every child). */
function processesOf(stateDir: string): number[] {
  return liveProcessesWhere((pid) =>
    readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`ROSHI_STATE_DIR=${stateDir}`),
  );
}

/** `roshi supervisor` from dist/; a kill() is only that signal (no SIGKILL after it). */
function startSupervisor(configFile: string) {
  return execa(process.execPath, [mainScript(), 'supervisor', '--config', configFile], {
    reject: false,
    all: true,
    env: { ROSHI_LOG__PRETTY: 'never' },
    forceKillAfterDelay: false,
  });
}

describe('a stop signal during start-up', () => {
  it('sent as the bus is set up, stops the supervisor with exit 0 and leaves nothing running', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const stateDir = mkdtempSync(join(tmpdir(), 'roshi-early-stop-'));
      dirs.push(stateDir);
      const configFile = join(stateDir, 'test.yaml');
      writeFileSync(configFile, stringify({ stateDir, ...FAST_TIMINGS, actors: onlyActors() }));
      const supervisor = startSupervisor(configFile);
      const watcher = watch(stateDir, (_, file) => {
        if (file === 'nats.url') supervisor.kill('SIGTERM');
      });
      try {
        // A lost signal shows as a tree that goes on starting: give it ample time, then say so.
        const ended = await Promise.race([supervisor, sleep(30_000).then(() => undefined)]);
        expect(ended, `round ${round}: still running 30 s after SIGTERM`).toBeDefined();
        if (!ended) return;
        expect(ended.signal, `round ${round}: ${String(ended.all).slice(-2000)}`).toBeUndefined();
        expect(ended.exitCode, `round ${round}: ${String(ended.all).slice(-2000)}`).toBe(0);
      } finally {
        watcher.close();
        if (supervisor.pid !== undefined) {
          try {
            process.kill(supervisor.pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
      // Its nats-server child is gone with it, and the lock is released.
      await until(() => (processesOf(stateDir).length === 0 ? true : undefined), 'children of the stopped tree', {
        timeoutMs: 10_000,
      });
      expect(readdirSync(join(stateDir))).not.toContain('supervisor.pid');
    }
  }, 120_000);

  it('sent while an external NATS system does not answer, ends the wait: exit 0, lock released', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-early-stop-'));
    dirs.push(stateDir);
    const configFile = join(stateDir, 'test.yaml');
    // Nothing listens on port 1; with replicas 3 the start waits to ask the cluster if it can hold them.
    writeFileSync(configFile, stringify({ stateDir, nats: { url: 'nats://127.0.0.1:1', replicas: 3 } }));
    const supervisor = startSupervisor(configFile);
    try {
      await until(() => (readdirSync(stateDir).includes('supervisor.pid') ? true : undefined), 'the lock taken', {
        timeoutMs: 15_000,
      });
      await sleep(500); // into the wait for the cluster
      supervisor.kill('SIGTERM');
      const ended = await Promise.race([supervisor, sleep(30_000).then(() => undefined)]);
      expect(ended, 'still running 30 s after SIGTERM').toBeDefined();
      if (!ended) return;
      expect(ended.signal, String(ended.all)).toBeUndefined();
      expect(ended.exitCode, String(ended.all)).toBe(0);
      expect(String(ended.all)).toContain('stopped while waiting for the NATS system');
      expect(readdirSync(stateDir)).not.toContain('supervisor.pid');
    } finally {
      supervisor.kill('SIGKILL');
    }
  }, 60_000);
});
