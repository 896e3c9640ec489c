// The bridge machine: connecting until the outbox and every provider have settled, running
// while all is well, degraded while a provider fails, draining to a final state.
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { bridgeMachine } from '../../machines/bridge.js';

const start = (providers = ['console', 'telegram']) => {
  const actor = createActor(bridgeMachine, { input: { providers, now: 0 } });
  actor.start();
  return actor;
};

/** The default bridge with the outbox ready and console up at 1; telegram is still starting. */
const consoleAndOutboxUp = () => {
  const actor = start();
  actor.send({ type: 'OUTBOX.READY', at: 1 });
  actor.send({ type: 'PROVIDER.UP', name: 'console', at: 1 });
  return actor;
};

describe('bridge machine', () => {
  it('connects, then runs once the outbox is ready and every provider is up', () => {
    const actor = start();
    expect(actor.getSnapshot().value).toBe('connecting');
    actor.send({ type: 'PROVIDER.UP', name: 'console', at: 1 });
    actor.send({ type: 'OUTBOX.READY', at: 2 });
    expect(actor.getSnapshot().value).toBe('connecting'); // telegram still starting
    actor.send({ type: 'PROVIDER.UP', name: 'telegram', at: 3 });
    expect(actor.getSnapshot().value).toBe('running');
    expect(actor.getSnapshot().context.providers.telegram).toEqual({ state: 'up', since: 3, failures: 0 });
  });

  it('is degraded while a provider fails, and runs again when it recovers', () => {
    const actor = consoleAndOutboxUp();
    actor.send({ type: 'PROVIDER.FAILED', name: 'telegram', error: 'starting: 401', at: 2 });
    expect(actor.getSnapshot().value).toBe('degraded');
    actor.send({ type: 'PROVIDER.FAILED', name: 'telegram', error: 'starting: 401 again', at: 5 });
    expect(actor.getSnapshot().context.providers.telegram).toEqual({
      state: 'failing',
      since: 2,
      lastError: 'starting: 401 again',
      failures: 2,
    });
    actor.send({ type: 'PROVIDER.STARTING', name: 'telegram', at: 6 });
    expect(actor.getSnapshot().value).toBe('degraded');
    actor.send({ type: 'PROVIDER.UP', name: 'telegram', at: 7 });
    expect(actor.getSnapshot().value).toBe('running');
    // The last error stays visible for the operator after the recovery.
    expect(actor.getSnapshot().context.providers.telegram).toMatchObject({
      state: 'up',
      failures: 0,
      lastError: 'starting: 401 again',
    });
    actor.send({ type: 'PROVIDER.FAILED', name: 'console', error: 'sending: closed', at: 8 });
    expect(actor.getSnapshot().value).toBe('degraded');
    actor.send({ type: 'PROVIDER.UP', name: 'console', at: 9 });
    expect(actor.getSnapshot().value).toBe('running');
  });

  it('is degraded while the outbox consumer is lost', () => {
    const actor = start(['console']);
    actor.send({ type: 'PROVIDER.UP', name: 'console', at: 1 });
    actor.send({ type: 'OUTBOX.READY', at: 1 });
    actor.send({ type: 'OUTBOX.LOST', error: 'stream gone', at: 2 });
    expect(actor.getSnapshot().value).toBe('degraded');
    expect(actor.getSnapshot().context.outbox).toEqual({ ready: false, since: 2, lastError: 'stream gone' });
    actor.send({ type: 'OUTBOX.READY', at: 3 });
    expect(actor.getSnapshot().value).toBe('running');
  });

  it('settles as degraded when a provider fails while connecting', () => {
    const actor = consoleAndOutboxUp();
    actor.send({ type: 'PROVIDER.FAILED', name: 'telegram', error: 'no token', at: 1 });
    expect(actor.getSnapshot().value).toBe('degraded');
  });

  it('drains from any state and ignores health reports while draining', () => {
    const actor = start();
    actor.send({ type: 'DRAIN' });
    expect(actor.getSnapshot().value).toBe('draining');
    actor.send({ type: 'PROVIDER.UP', name: 'console', at: 1 });
    actor.send({ type: 'OUTBOX.READY', at: 1 });
    expect(actor.getSnapshot().value).toBe('draining');
    actor.send({ type: 'DRAINED' });
    expect(actor.getSnapshot().status).toBe('done');
    expect(Object.values(actor.getSnapshot().context.providers).every((p) => p.state === 'stopped')).toBe(true);
  });

  it('runs with no providers at all once the outbox is ready', () => {
    const actor = start([]);
    actor.send({ type: 'OUTBOX.READY', at: 1 });
    expect(actor.getSnapshot().value).toBe('running');
  });
});
