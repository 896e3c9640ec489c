// The fence of an active singleton (src/bus/leaseFence.ts): NATS publishes and requests and
// fetch pass while the lease is held; the first one without it calls the breach (which ends the
// process) before anything leaves; after a clean stop's lift nothing is checked.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { fenceOnLease } from '../../src/bus/leaseFence.js';

class Breach extends Error {}

let fetchBefore: typeof fetch;
beforeEach(() => {
  fetchBefore = globalThis.fetch;
  globalThis.fetch = (async () => new Response('ok')) as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = fetchBefore;
});

function fakeBus() {
  const sent: string[] = [];
  const nc = {
    publish(subject: string) {
      sent.push(`publish ${subject}`);
    },
    async request(subject: string) {
      sent.push(`request ${subject}`);
      return {};
    },
  };
  return { bus: { nc } as unknown as Bus, sent, nc };
}

describe('fenceOnLease', () => {
  it('lets everything through while the lease is held, and nothing once it is not', async () => {
    const { bus, sent, nc } = fakeBus();
    let held = true;
    const breaches: string[] = [];
    fenceOnLease(
      bus,
      () => held,
      (what) => {
        breaches.push(what);
        throw new Breach(what);
      },
    );
    nc.publish('roshi.hb.h1-bridge');
    await nc.request('$JS.API.STREAM.INFO.X');
    expect(await (await fetch('http://127.0.0.1:9/botX/getUpdates')).text()).toBe('ok');
    held = false;
    expect(() => nc.publish('roshi.bridge.console')).toThrow(Breach);
    expect(() => nc.request('$KV.roshi_state.x')).toThrow(Breach);
    expect(() => fetch('http://api.telegram.example/botX/sendMessage', { method: 'POST' })).toThrow(Breach);
    expect(sent).toEqual(['publish roshi.hb.h1-bridge', 'request $JS.API.STREAM.INFO.X']);
    expect(breaches).toEqual([
      'publish on roshi.bridge.console',
      'request on $KV.roshi_state.x',
      'HTTP POST api.telegram.example',
    ]);
  });

  it('checks nothing after lift (a clean stop releasing the lease)', () => {
    const { bus, sent, nc } = fakeBus();
    const fence = fenceOnLease(
      bus,
      () => false,
      () => {
        throw new Breach('lifted');
      },
    );
    fence.lift();
    nc.publish('roshi.hb.h1-bridge');
    expect(sent).toEqual(['publish roshi.hb.h1-bridge']);
  });
});
