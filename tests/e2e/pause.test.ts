// Dispatch pause for the whole tree: start paused, a resume that wins, timed pauses.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { deepMerge, sleep, type TestTree } from '../harness/tree.js';

describe('dispatch pause', () => {
  let world: MissionWorld;
  let tree: TestTree;
  useMissionTree(
    { config: (w) => deepMerge(w.config(), { runner: { startPaused: true } }), running: ['missions', 'runner-1'] },
    (started) => ({ world, tree } = started),
  );

  const status = async (id: string) =>
    (await tree.bus.request<Mission>(tree.bus.subjects.missions('get'), { id })).status;
  async function waitFor(id: string, wanted: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await status(id)) === wanted) return;
      await sleep(200);
    }
    throw new Error(`mission ${id} did not become ${wanted}; it is ${await status(id)}`);
  }

  it('starts paused: missions wait until a resume', async () => {
    world.scenarios.set('p-1', writesFile('p1.txt', 'one'));
    const { stdout } = await tree.cli(['mission', 'add', 'first after the pause {{p-1}}']);
    const id = stdout.trim();
    await sleep(1500);
    expect(await status(id)).toBe('pending');
    expect(
      (await tree.bus.request<{ state: string }>(tree.bus.subjects.control('runner-1'), { verb: 'ping' })).state,
    ).toBe('paused');
    expect((await tree.cli(['mission', 'resume'])).stdout).toMatch(/dispatch resumed/);
    await waitFor(id, 'done', 60_000);
  });

  it('a restart of the missions actor does not pause again', async () => {
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'missions' });
    await tree.waitForStatus(
      (s) => s.children.some((c) => c.name === 'missions' && c.state === 'running' && c.restarts === 0),
      15_000,
      'missions restarted',
    );
    await sleep(500);
    expect(
      (await tree.bus.request<{ state: string }>(tree.bus.subjects.control('runner-1'), { verb: 'ping' })).state,
    ).not.toBe('paused');
  });

  it('a timed pause ends by itself', async () => {
    // Long enough that two CLI starts on a loaded machine still fall inside it.
    const { stdout } = await tree.cli(['mission', 'pause', '8s']);
    expect(stdout).toMatch(/dispatch paused until/);
    world.scenarios.set('p-2', writesFile('p2.txt', 'two'));
    const id = (await tree.cli(['mission', 'add', 'during a short pause {{p-2}}'])).stdout.trim();
    await sleep(800);
    expect(await status(id)).toBe('pending');
    await waitFor(id, 'done', 60_000);
  });

  it('refuses a pause longer than 30 days, and leaves dispatch as it was', async () => {
    const { exitCode, stderr } = await tree.cli(['mission', 'pause', '31d']);
    expect(exitCode).not.toBe(0);
    expect(stderr).toMatch(/a timed pause is at most 30 days, got "31d"/);
    expect(
      (await tree.bus.request<{ state: string }>(tree.bus.subjects.control('runner-1'), { verb: 'ping' })).state,
    ).not.toBe('paused');
  });

  it('refuses a pause duration it cannot read', async () => {
    const { exitCode, stderr } = await tree.cli(['mission', 'pause', 'soonish']);
    expect(exitCode).not.toBe(0);
    expect(stderr).toMatch(/duration like "30m"/);
  });
});
