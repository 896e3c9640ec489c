// The bus knows when it cannot hear: `connected` is false while the client reconnects, and
// `connectedAt` moves to the moment the connection came back. The watchdog and the supervisor
// judge no silence from before it (docs/scale-out.md#work-on-any-host). src/bus/bus.ts
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { findNatsServer, freePort, probePort } from '../../src/bus/embedded-server.js';
import { silentLogger } from '../../src/log.js';
import { until } from '../harness/until.js';

let server: ResultPromise | undefined;
let bus: Bus | undefined;
afterAll(async () => {
  await bus?.drain().catch(() => {});
  server?.kill('SIGKILL');
  await server?.catch(() => {});
});

async function serve(port: number): Promise<void> {
  server = execa(findNatsServer(''), ['-a', '127.0.0.1', '-p', String(port)], { reject: false });
  await until(async () => ((await probePort('127.0.0.1', port, 200)) ? true : undefined), 'nats-server up', {
    timeoutMs: 10_000,
  });
}

describe('the bus connection state', () => {
  it('is down while the server is gone and dated from its return', async () => {
    const port = await freePort('127.0.0.1');
    await serve(port);
    bus = await Bus.connect({ url: `nats://127.0.0.1:${port}`, name: 'deaf', prefix: 'deaf', logger: silentLogger() });
    const openedAt = bus.connectedAt;
    expect(bus.connected).toBe(true);

    server!.kill('SIGKILL');
    await server;
    await until(() => (bus!.connected ? undefined : true), 'the bus noticing the server is gone', {
      timeoutMs: 10_000,
    });
    const goneAt = Date.now();

    await serve(port);
    await until(() => (bus!.connected ? true : undefined), 'the bus reconnected', { timeoutMs: 20_000 });
    expect(bus.connectedAt).toBeGreaterThan(openedAt);
    expect(bus.connectedAt).toBeGreaterThanOrEqual(goneAt);
  });
});
