// A runner's next process and the agent its predecessor left (src/actors/predecessorAgent.ts),
// with real processes carrying the agents' marker: a working agent finishes under a renewed
// lease; a silent one is killed after the idle timeout; one whose mission is gone, at once.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AGENT_OF_ENV } from '../../src/adapters/agent/orphans.js';
import { streamFilePath } from '../../src/adapters/agent/streamFile.js';
import { letPredecessorFinish } from '../../src/actors/predecessorAgent.js';
import type { Mission } from '../../src/contracts/index.js';
import { LeaseLostError } from '../../src/missions/errors.js';
import { silentLogger } from '../../src/log.js';
import { isAlive } from '../harness/processes.js';

const dirs: string[] = [];
const agents: ChildProcess[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) if (a.pid && isAlive(a.pid)) a.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const MISSION = {
  id: 'mx7predeces',
  status: 'running',
  attempts: 1,
  lease: { runner: 'runner-1', until: 0 },
} as Mission;

function world(options: { held?: Mission[]; lost?: boolean; idleMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-predecessor-'));
  dirs.push(dir);
  const marker = `test@${dir}/runner-1`;
  const renewed: string[] = [];
  const store = {
    list: () => options.held ?? [MISSION],
    renew: async (id: string) => {
      if (options.lost) throw new LeaseLostError(id, 'runner-1', 'its lease expired');
      renewed.push(id);
      return MISSION;
    },
  } as never;
  /** An "agent" of the previous process: a shell with the marker, doing `script`. */
  const agent = (script: string) => {
    const child = spawn('sh', ['-c', script], { env: { ...process.env, [AGENT_OF_ENV]: marker }, stdio: 'ignore' });
    agents.push(child);
    return child;
  };
  const wait = () =>
    letPredecessorFinish({
      marker,
      runner: 'runner-1',
      store,
      streamDir: dir,
      idleTimeoutMs: options.idleMs ?? 1_500,
      renewEveryMs: 200,
      logger: silentLogger(),
      pollMs: 50,
    });
  return { dir, agent, wait, renewed, file: streamFilePath(dir, MISSION.id, 1) };
}

describe("a runner's next process and its predecessor's agent", () => {
  it('lets a working agent finish, keeping its lease renewed, and kills nothing', async () => {
    const w = world();
    const file = w.file;
    const child = w.agent(`for i in 1 2 3 4 5 6; do echo line >> ${file}; sleep 0.5; done`);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await w.wait();
    expect(await exited, 'it ended by itself').toBe(0);
    expect(w.renewed.length).toBeGreaterThan(3);
  });

  it('kills an agent that writes nothing for the idle timeout', async () => {
    const w = world();
    appendFileSync(w.file, 'one line\n');
    const child = w.agent('sleep 60');
    const started = Date.now();
    await w.wait();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode ? resolve(0) : child.once('exit', resolve),
    );
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('kills it at once when its mission is no longer ours, or when no mission of ours runs', async () => {
    // An idle timeout far beyond the test's own: only the at-once kill can end the wait in time.
    for (const w of [world({ lost: true, idleMs: 600_000 }), world({ held: [], idleMs: 600_000 })]) {
      const child = w.agent('sleep 60');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await w.wait();
      await new Promise((resolve) => (child.signalCode ? resolve(0) : child.once('exit', resolve)));
      expect(child.signalCode).toBe('SIGKILL');
    }
  });
});
