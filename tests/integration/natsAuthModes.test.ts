// Every way roshi can authenticate to an external NATS server, each against a real nats-server
// started with that auth: token, user/password, a creds file (operator mode, JWT + NKey) and TLS
// with a CA file. Each mode must let roshi in (requests and JetStream KV work), and the same
// server must refuse a connection without that credential.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus, JsonKv, type NatsSettings } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { startNats, type NatsOptions, type TestNats } from '../harness/nats.js';
import { makeOperatorMode, makeTlsFiles } from '../harness/natsAuth.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function server(options: NatsOptions): Promise<TestNats> {
  const nats = await startNats(options);
  cleanups.push(() => nats.stop());
  return nats;
}

async function connect(settings: NatsSettings): Promise<Bus> {
  const bus = await Bus.connect({
    ...settings,
    name: 'auth-mode-test',
    prefix: 'roshi',
    logger: silentLogger(),
    waitForServer: false,
  });
  cleanups.push(() => bus.nc.close());
  return bus;
}

/** A request answered over the connection, and a KV write and read (JetStream under this auth). */
async function works(bus: Bus): Promise<void> {
  bus.serve('roshi.test.echo', (payload) => ({ echoed: payload.text }));
  await bus.nc.flush();
  expect(await bus.request('roshi.test.echo', { text: 'hi' })).toEqual({ echoed: 'hi' });
  const kv = await JsonKv.open(bus, 'roshi_auth_test');
  await kv.put('k', { v: 1 });
  expect((await kv.get<{ v: number }>('k'))?.value).toEqual({ v: 1 });
}

describe('external NATS authentication', () => {
  it('token', async () => {
    const nats = await server({ config: { authorization: { token: 's3cret-token' } } });
    await works(await connect({ url: nats.url, token: 's3cret-token' }));
    await expect(connect({ url: nats.url })).rejects.toThrow(/authorization violation/i);
    await expect(connect({ url: nats.url, token: 'wrong' })).rejects.toThrow(/authorization violation/i);
  });

  it('user and password', async () => {
    const nats = await server({ config: { authorization: { users: [{ user: 'roshi', password: 'pa55word' }] } } });
    await works(await connect({ url: nats.url, user: 'roshi', password: 'pa55word' }));
    await expect(connect({ url: nats.url })).rejects.toThrow(/authorization violation/i);
    await expect(connect({ url: nats.url, user: 'roshi', password: 'nope' })).rejects.toThrow(
      /authorization violation/i,
    );
  });

  it('creds file (operator mode: JWT and NKey seed)', async () => {
    const mode = makeOperatorMode();
    const stranger = makeOperatorMode();
    cleanups.push(
      () => mode.remove(),
      () => stranger.remove(),
    );
    const nats = await server({ config: mode.serverConfig });
    await works(await connect({ url: nats.url, credsFile: mode.credsFile }));
    await expect(connect({ url: nats.url })).rejects.toThrow(/authorization violation/i);
    // Another operator's user is not trusted by this server.
    await expect(connect({ url: nats.url, credsFile: stranger.credsFile })).rejects.toThrow(/authorization violation/i);
  });

  it('TLS with a CA file (tls://)', async () => {
    const tls = makeTlsFiles();
    cleanups.push(() => rmSync(tls.dir, { recursive: true, force: true }));
    const nats = await server({ scheme: 'tls', config: { tls: { cert_file: tls.certFile, key_file: tls.keyFile } } });
    await works(await connect({ url: nats.url, tls: { caFile: tls.caFile } }));
    // Without the CA the server's certificate is not trusted.
    await expect(connect({ url: nats.url })).rejects.toThrow();
    await expect(connect({ url: nats.url.replace('tls://', 'nats://') })).rejects.toThrow();
  });
});
