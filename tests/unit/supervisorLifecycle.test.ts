// How the supervisor process ends: a stop request stops the tree (exit 0), a duplicate within a
// second is ignored, a later second request forces (SIGKILL to every child, exit 1), and a
// failed machine kills the children and exits 70.
import { EventEmitter } from 'node:events';
import { createActor, createMachine, fromPromise } from 'xstate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { supervisorMachine } from '../../machines/supervisor.js';
import { silentLogger } from '../../src/log.js';
import { superviseLifecycle } from '../../src/supervisor/lifecycle.js';

const T0 = 1_700_000_000_000;
// A tree whose children never report stopped: it stays in stopping until forced.
const neverStops = createMachine({
  id: 'tree',
  initial: 'running',
  states: { running: { on: { STOP: 'stopping' } }, stopping: {} },
});

function setup(machine: typeof supervisorMachine | typeof neverStops = supervisorMachine) {
  const signals = new EventEmitter();
  const killAll = vi.fn();
  const close = vi.fn(async () => undefined);
  const root = createActor(machine as typeof supervisorMachine, { input: { children: [], now: T0 } });
  const lifecycle = superviseLifecycle({ root, logger: silentLogger(), killAll, close, signals });
  return { root, signals, killAll, close, lifecycle };
}

afterEach(() => vi.useRealTimers());

describe('superviseLifecycle', () => {
  it('a stop request stops the tree; its final state closes everything and exits 0', async () => {
    const { root, signals, killAll, close, lifecycle } = setup();
    root.start();
    signals.emit('SIGTERM');
    await expect(lifecycle.done).resolves.toBe(0);
    expect(close).toHaveBeenCalledTimes(1);
    expect(killAll).not.toHaveBeenCalled();
  });

  it('a duplicate within a second is ignored; a second request later forces: SIGKILL to all, exit 1', async () => {
    vi.useFakeTimers({ now: T0 });
    const { root, killAll, close, lifecycle } = setup(neverStops);
    root.start();
    lifecycle.shutdown('SIGINT');
    expect(root.getSnapshot().value).toBe('stopping');
    vi.setSystemTime(T0 + 500);
    lifecycle.shutdown('SIGINT');
    expect(killAll).not.toHaveBeenCalled();
    expect(close).not.toHaveBeenCalled();
    vi.setSystemTime(T0 + 1500);
    lifecycle.shutdown('SIGTERM');
    expect(killAll).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
    await expect(lifecycle.done).resolves.toBe(1);
    expect(close).toHaveBeenCalledTimes(1);
    root.stop();
  });

  it('a failed supervisor machine kills the children and exits 70', async () => {
    const failing = supervisorMachine.provide({
      actors: { loadHealState: fromPromise(async () => ({ states: {}, at: T0 })) },
      actions: {
        announceTree: () => {
          throw new Error('boom');
        },
      },
    });
    const { root, killAll, close, lifecycle } = setup(failing);
    root.start();
    await expect(lifecycle.done).resolves.toBe(70);
    expect(killAll).toHaveBeenCalledTimes(1);
    expect(close).toHaveBeenCalledTimes(1);
  });
});
