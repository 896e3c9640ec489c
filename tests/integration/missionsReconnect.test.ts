// The store's index follows the bucket across a nats-server restart: the KV watch is
// re-established on reconnect instead of waiting for the client to notice missed heartbeats
// (which takes many seconds), so a runner sees missions added after the restart at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, expect, it } from 'vitest';
import { Bus, findNatsServer, freePort, probePort } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';

const dir = mkdtempSync(join(tmpdir(), 'roshi-missions-reconnect-'));
let server: ResultPromise | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  server?.kill('SIGKILL');
  await server;
  rmSync(dir, { recursive: true, force: true });
});

/** Wrapped: an execa child is a thenable, so returning it from an async function would wait for its exit. */
async function startServer(port: number): Promise<{ child: ResultPromise }> {
  const child = execa(
    findNatsServer(''),
    ['--addr', '127.0.0.1', '--port', String(port), '--jetstream', '--store_dir', dir],
    { reject: false, stdio: 'ignore' },
  );
  const deadline = Date.now() + 10_000;
  while (!(await probePort('127.0.0.1', port, 200))) {
    if (Date.now() > deadline) throw new Error('nats-server did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child };
}

const SETTINGS = testMissionSettings({ keepDone: 5, keepFailed: 5, projects: { names: ['app'], defaultProject: '' } });

it('sees missions added after a server restart within moments', async () => {
  const port = await freePort('127.0.0.1');
  server = (await startServer(port)).child;
  const url = `nats://127.0.0.1:${port}`;
  const runnerBus = await Bus.connect({ url, name: 'runner', prefix: 'roshi', logger: silentLogger() });
  cleanups.push(() => runnerBus.drain());
  const runnerStore = await MissionStore.open(runnerBus, SETTINGS);
  cleanups.push(() => runnerStore.close());
  await runnerStore.add({ text: 'before the restart' });

  server.kill('SIGKILL');
  await server;
  server = (await startServer(port)).child;

  const intakeBus = await Bus.connect({ url, name: 'intake', prefix: 'roshi', logger: silentLogger() });
  cleanups.push(() => intakeBus.drain());
  const intake = await MissionStore.open(intakeBus, SETTINGS);
  cleanups.push(() => intake.close());
  expect(intake.size).toBe(1);
  const added = await intake.add({ text: 'after the restart' });

  const started = Date.now();
  while (runnerStore.size < 2 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
  expect(Date.now() - started).toBeLessThan(3_000);
  // It is also claimable: the runner's index has it.
  await runnerStore.claim('runner-1');
  expect((await runnerStore.claim('runner-1'))?.id).toBe(added.id);
}, 60_000);
