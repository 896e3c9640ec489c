// JetStream write durability against real nats-server processes
// (docs/operations.md#jetstream-durability). The local server is Debian's 2.9.10, which refuses
// `sync_interval`: the unsupported path runs for real. The supported path runs through a wrapper
// that reports 2.10 for `--version`, keeps the config it was started with, and starts the real
// 2.9.10 without that one key — so the test sees what a 2.10 server would have been given.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { findNatsServer, natsServerVersionText, probePort } from '../../src/bus/embedded-server.js';
import { JsonKv } from '../../src/bus/index.js';
import { externalSync, parseNatsServerVersion } from '../../src/bus/jetstreamSync.js';
import { SUPERVISOR_USER } from '../../src/bus/permissions.js';
import { loadConfig } from '../../src/config/index.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { prepareTreeBus } from '../../src/supervisor/busSetup.js';
import { reportJetStreamSync } from '../../src/supervisor/jetstreamDurability.js';
import { startNats } from '../harness/nats.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const REAL = findNatsServer('');
const realVersion = parseNatsServerVersion(natsServerVersionText(REAL));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-jssync-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A nats-server that says it is 2.10.99 and runs the real one without sync_interval. */
function newerServerWrapper(dir: string): { binary: string; seenConfig: string } {
  const binary = join(dir, 'nats-server');
  const seenConfig = join(dir, 'seen.conf');
  const stripped = join(dir, 'stripped.conf');
  const strip =
    'const fs=require("fs");const c=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));' +
    'delete c.jetstream.sync_interval;fs.writeFileSync(process.argv[2],JSON.stringify(c))';
  writeFileSync(
    binary,
    [
      '#!/bin/sh',
      'if [ "$1" = "--version" ]; then echo "nats-server: v2.10.99"; exit 0; fi',
      `cp "$2" '${seenConfig}'`,
      `'${process.execPath}' -e '${strip}' "$2" '${stripped}'`,
      `exec '${REAL}' -c '${stripped}'`,
      '',
    ].join('\n'),
  );
  chmodSync(binary, 0o755);
  return { binary, seenConfig };
}

/** Starts the tree's embedded server as the supervisor would, and writes and reads a KV entry through it. */
async function startEmbedded(binary: string) {
  const dir = tempDir();
  const { config } = loadConfig({ env: {}, overrides: { stateDir: join(dir, 'state') } });
  const treeBus = await prepareTreeBus(config, join(dir, 'state'), join(dir, 'js'), binary);
  const spec = treeBus.nats!;
  const server = execa(spec.binary, spec.args, { reject: false, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    server.kill('SIGKILL');
    return server;
  });
  for (const deadline = Date.now() + 10_000; !(await probePort(spec.host, spec.port, 200)); ) {
    if (Date.now() > deadline || server.exitCode !== null) {
      throw new Error(`nats-server did not start: ${(await server).stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const bus = await Bus.connect({
    url: spec.url,
    ...treeBus.credentialOf(SUPERVISOR_USER),
    name: 'jssync-test',
    prefix: config.prefix,
    logger: silentLogger(),
    waitForServer: false,
  });
  cleanups.push(() => bus.nc.close());
  const kv = await JsonKv.open(bus, bus.subjects.stateBucket);
  await kv.put('heal.x', { v: 1 });
  expect((await kv.get<{ v: number }>('heal.x'))?.value).toEqual({ v: 1 });
  return { treeBus, spec, bus };
}

function recordingLogger() {
  const lines: string[] = [];
  const logger = {
    info: (_: unknown, message: string) => void lines.push(`info ${message}`),
    warn: (_: unknown, message: string) => void lines.push(`warn ${message}`),
  } as unknown as Logger;
  return { logger, lines };
}

describe('JetStream write sync', () => {
  it('the local nats-server reports its version', () => {
    expect(realVersion).toBeDefined();
  });

  it.runIf(realVersion && realVersion.minor < 10 && realVersion.major === 2)(
    'a 2.9 embedded server starts without sync_interval, and the supervisor warns once',
    async () => {
      const { treeBus, spec, bus } = await startEmbedded(REAL);
      expect(spec.syncAlways).toBe(false);
      expect(spec.configText).not.toContain('sync_interval');
      expect(treeBus.jetstreamSync).toMatchObject({ mode: 'interval', serverVersion: realVersion!.text });
      const { logger, lines } = recordingLogger();
      const current = reportJetStreamSync(treeBus.jetstreamSync, true, Promise.resolve(bus), logger);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^warn nats-server 2\.9\.\d+ cannot sync every JetStream write/);
      expect(current().mode).toBe('interval');
    },
  );

  it('a server that reports 2.10+ is started with sync_interval always', async () => {
    const wrapper = newerServerWrapper(tempDir());
    const { treeBus, spec } = await startEmbedded(wrapper.binary);
    expect(treeBus.jetstreamSync).toMatchObject({ mode: 'always', serverVersion: '2.10.99' });
    expect(spec.syncAlways).toBe(true);
    expect(existsSync(wrapper.seenConfig)).toBe(true);
    expect(JSON.parse(readFileSync(wrapper.seenConfig, 'utf8')).jetstream.sync_interval).toBe('always');
  });

  it('the real 2.9 server refuses sync_interval (why it is only written for 2.10+)', async () => {
    const dir = tempDir();
    const file = join(dir, 'c.conf');
    writeFileSync(
      file,
      JSON.stringify({ listen: '127.0.0.1:-1', jetstream: { store_dir: dir, sync_interval: 'always' } }),
    );
    const result = await execa(REAL, ['-c', file], { reject: false, timeout: 5_000 });
    if (realVersion && realVersion.major === 2 && realVersion.minor < 10) {
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/unknown field "sync_interval"/);
    }
  });

  it('an external server: its INFO version decides, and sync cannot be confirmed', async () => {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const bus = await Bus.connect({ url: nats.url, name: 'jssync-ext', prefix: 'roshi', logger: silentLogger() });
    cleanups.push(() => bus.nc.close());
    const { logger, lines } = recordingLogger();
    const current = reportJetStreamSync(externalSync(undefined), false, Promise.resolve(bus), logger);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(current().serverVersion).toBe(realVersion!.text);
    expect(current().mode).toBe(realVersion!.minor >= 10 || realVersion!.major > 2 ? 'unconfirmed' : 'interval');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^warn external nats-server/);
  });
});
