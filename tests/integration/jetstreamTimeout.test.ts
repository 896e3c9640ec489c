// nats.jetstreamTimeout reaches every KV write: with the server frozen, a bus with a short
// JetStream timeout gives its write up while one with the default still waits, and the waiting
// write lands once the server runs again. src/bus/bus.ts (jetstream), docs/scale-out.md#a-nats-node-dies
import { afterAll, describe, expect, it } from 'vitest';
import { Bus, JsonKv } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
const buses: Bus[] = [];
afterAll(async () => {
  for (const bus of buses) await bus.drain().catch(() => {});
});

async function busWith(name: string, jetstreamTimeout?: number): Promise<Bus> {
  const bus = await Bus.connect({
    url: nats.url,
    name,
    prefix: 'jt',
    logger: silentLogger(),
    ...(jetstreamTimeout === undefined ? {} : { jetstreamTimeout }),
  });
  buses.push(bus);
  return bus;
}

describe('the JetStream timeout', () => {
  it('bounds how long a KV write waits on a server that does not answer', async () => {
    const short = await JsonKv.open(await busWith('short', 300), 'jt_state');
    const usual = await JsonKv.open(await busWith('usual'), 'jt_state');
    await usual.put('warm', { ok: true });

    process.kill(nats.server.pid, 'SIGSTOP');
    let usualSettled = false;
    let usualWrite: Promise<number> | undefined;
    try {
      usualWrite = usual.put('usual', { n: 1 });
      void usualWrite.finally(() => (usualSettled = true)).catch(() => {});
      await expect(short.put('short', { n: 1 })).rejects.toThrow(/timeout/i);
      // The default (the client's 5 s) is still waiting when the short one has given up.
      expect(usualSettled).toBe(false);
    } finally {
      process.kill(nats.server.pid, 'SIGCONT');
    }
    expect(await usualWrite).toBeGreaterThan(0);
    expect((await usual.get<{ n: number }>('usual'))?.value).toEqual({ n: 1 });
  });
});
