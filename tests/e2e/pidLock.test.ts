// The supervisor's pid lock: taken atomically (of several started at the same moment exactly one
// wins), and not held by a dead process, a zombie, or a pid that another program now has.
// Real processes from dist/: the lock module raced by many processes, and real supervisors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { onlyActors } from '../harness/actorSelection.js';
import { stringify } from 'yaml';
import { mainScript, packageRoot } from '../../src/paths.js';
import { readProcStat } from '../../src/supervisor/pidLock.js';
import { isAlive } from '../harness/processes.js';
import { FAST_TIMINGS, TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

const LOCK_MODULE = join(packageRoot(), 'dist', 'src', 'supervisor', 'pidLock.js');
const ONLY_WATCHDOG = { actors: onlyActors() };

const dirs: string[] = [];
const spawned: ResultPromise[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-lock-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const child of spawned.splice(0)) {
    if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
    await child.catch(() => undefined);
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * `count` processes each take the lock at the same wall-clock instant (a busy-wait barrier, so
 * node's start-up time does not spread them) and say whether they won. Everyone holds on until
 * well after the last one can have tried: a winner that had exited would rightly be taken over.
 */
async function race(stateDir: string, count: number): Promise<string[]> {
  const at = Date.now() + 8000; // eight Node starts on a loaded 2-core machine can take seconds
  const script = `
    const { acquirePidLock } = await import(${JSON.stringify(LOCK_MODULE)});
    while (Date.now() < ${at}) {}
    let said;
    try { acquirePidLock(${JSON.stringify(stateDir)}); said = 'won'; } catch (e) { said = e.name; }
    if (Date.now() > ${at + 3500}) said += ' (too late to be a fair race)';
    while (Date.now() < ${at + 4000}) await new Promise((r) => setTimeout(r, 50));
    process.stdout.write(said);`;
  const runs = Array.from({ length: count }, () =>
    execa(process.execPath, ['--input-type=module', '-e', script], { reject: false }),
  );
  return (await Promise.all(runs)).map((r) => String(r.stdout) || `exit ${r.exitCode}: ${String(r.stderr)}`);
}

describe('the pid lock under a race', () => {
  it('of eight processes taking it at the same instant, exactly one wins; also over a stale lock', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = tempDir();
      // Rounds 2 and 4 start from a stale lock (a pid that cannot exist), so every contender takes the takeover path.
      if (round % 2 === 1) writeFileSync(join(dir, 'supervisor.pid'), '4194304 1\n');
      const results = await race(dir, 8);
      expect(
        results.filter((r) => r === 'won'),
        results.join(', '),
      ).toHaveLength(1);
      expect(
        results.filter((r) => r === 'SupervisorRunningError'),
        results.join(', '),
      ).toHaveLength(7);
    }
  }, 150_000);
});

describe('two real supervisors on one state dir', () => {
  it('started together: one runs, the other exits 75 saying one is already running', async () => {
    const stateDir = tempDir();
    const configFile = join(stateDir, 'test.yaml');
    writeFileSync(configFile, stringify({ stateDir, ...FAST_TIMINGS, ...ONLY_WATCHDOG }));
    const start = () =>
      execa(process.execPath, [mainScript(), 'supervisor', '--config', configFile], {
        reject: false,
        env: { ROSHI_LOG__PRETTY: 'never' },
        all: true,
        // execa's default SIGKILLs 5 s after kill(); a loaded machine can take longer to stop the tree.
        forceKillAfterDelay: false,
      });
    const a = start();
    const b = start();
    spawned.push(a, b);
    const first = await Promise.race([a.then(() => 'a' as const), b.then(() => 'b' as const)]);
    const [loser, winner] = first === 'a' ? [a, b] : [b, a];
    const lost = await loser;
    expect(lost.exitCode, String(lost.all)).toBe(75);
    expect(String(lost.all)).toMatch(/a supervisor is already running for .* \(pid \d+\)/);
    // The winner runs the tree and holds the lock with its own pid.
    await until(() => readText(join(stateDir, 'nats.url')), 'nats.url', { timeoutMs: 15_000 });
    expect(readText(join(stateDir, 'supervisor.pid'))?.split(' ')[0]).toBe(String(winner.pid));
    expect(isAlive(winner.pid!)).toBe(true);
    winner.kill('SIGTERM');
    const stopped = await winner;
    expect(stopped.exitCode, `${stopped.signal ?? ''} ${String(stopped.all).slice(-2000)}`).toBe(0);
  });
});

describe('a lock that nobody holds', () => {
  async function startsOver(lock: string): Promise<void> {
    const stateDir = tempDir();
    writeFileSync(join(stateDir, 'supervisor.pid'), lock);
    const tree = await TestTree.start({ stateDir, config: ONLY_WATCHDOG });
    try {
      await tree.waitForRunning(['watchdog']);
      const holder = readText(join(stateDir, 'supervisor.pid'));
      expect(holder?.split(' ')[0]).toBe(String(tree.process.pid));
      expect(tree.output()).not.toMatch(/already running/);
    } finally {
      await tree.stop();
    }
  }

  it('naming the pid of another live program (a sleep) is taken over, with or without a start time', async () => {
    const other = execa('sleep', ['60']);
    spawned.push(other);
    await until(() => (other.pid && isAlive(other.pid) ? true : undefined), 'sleep', { timeoutMs: 15_000 });
    // An older lock: the pid alone. The sleep is not a roshi supervisor.
    await startsOver(`${other.pid}\n`);
    // The pid with a start time that is not the sleep's: the supervisor that wrote it is gone and the pid was reused.
    const stat = readProcStat(other.pid!);
    expect(stat).toBeDefined();
    await startsOver(`${other.pid} ${stat!.startTime - 1}\n`);
  });

  it('naming a zombie, even with its own start time, is taken over', async () => {
    // `sleep 1` ends after the shell has become `sleep 60` (exec), which never reaps it: a zombie
    // for a minute. (`sleep 0` could end, and be reaped by the shell, before the exec.)
    const parent = execa('sh', ['-c', 'sleep 1 & echo $!; exec sleep 60'], { buffer: false });
    spawned.push(parent);
    const zombie = Number(
      await new Promise<string>((resolve) =>
        parent.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
      ),
    );
    const stat = await until(
      () => {
        const s = readProcStat(zombie);
        return s?.state === 'Z' ? s : undefined;
      },
      'a zombie',
      { timeoutMs: 15_000 },
    );
    expect(isAlive(zombie)).toBe(true); // a signal probe alone would call it alive
    await startsOver(`${zombie} ${stat.startTime}\n`);
  });

  it('held by a live supervisor is not taken over', async () => {
    const stateDir = tempDir();
    const tree = await TestTree.start({ stateDir, config: ONLY_WATCHDOG });
    try {
      const second = await execa(process.execPath, [mainScript(), 'supervisor', '--config', tree.configFile], {
        reject: false,
        env: { ROSHI_LOG__PRETTY: 'never' },
      });
      expect(second.exitCode).toBe(75);
      expect(String(second.stderr)).toMatch(new RegExp(`already running for .* \\(pid ${tree.process.pid}\\)`));
    } finally {
      await tree.stop();
    }
  });
});

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
