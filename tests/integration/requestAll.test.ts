// Scatter-gather on a real nats-server (src/bus/requestAll.ts): every responder's answer comes
// back, a responder returning NO_REPLY stays silent, refusals count only when nothing else came.
import { describe, expect, it } from 'vitest';
import { NO_REPLY } from '../../src/bus/index.js';
import { BusError, RemoteError, TimeoutError } from '../../src/errors.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();

describe('Bus.requestAll', () => {
  it('gathers each responder once, and not the silent one', async () => {
    const [a, b, c, asker] = await Promise.all(['a', 'b', 'c', 'asker'].map((n) => nats.connect(n, 'ra1')));
    a!.serve('ra1.who', () => ({ host: 'a' }));
    b!.serve('ra1.who', () => ({ host: 'b' }));
    c!.serve('ra1.who', () => NO_REPLY);
    await Promise.all([a!.nc.flush(), b!.nc.flush(), c!.nc.flush()]);
    const replies = await asker!.requestAll<{ host: string }>('ra1.who', {}, { window: 300, timeoutMs: 5_000 });
    expect(replies.map((r) => r.host).sort()).toEqual(['a', 'b']);
  });

  it('says nobody is listening, times out on silence, throws a refusal only when nothing else came', async () => {
    const [a, b, asker] = await Promise.all(['a', 'b', 'asker'].map((n) => nats.connect(n, 'ra2')));
    await expect(asker!.requestAll('ra2.none', {}, { timeoutMs: 2_000 })).rejects.toThrow(BusError);
    a!.serve('ra2.silent', () => NO_REPLY);
    a!.serve('ra2.refuses', () => {
      throw new Error('no such actor');
    });
    b!.serve('ra2.mixed', () => ({ fine: true }));
    a!.serve('ra2.mixed', () => {
      throw new Error('not mine');
    });
    await Promise.all([a!.nc.flush(), b!.nc.flush()]);
    await expect(asker!.requestAll('ra2.silent', {}, { timeoutMs: 500 })).rejects.toThrow(TimeoutError);
    await expect(asker!.requestAll('ra2.refuses', {}, { timeoutMs: 2_000 })).rejects.toThrow(RemoteError);
    expect(await asker!.requestAll('ra2.mixed', {}, { timeoutMs: 5_000 })).toEqual([{ fine: true }]);
  });
});
