// The supervisor machine invokes the host's self-watch for as long as it runs, and the host's
// view of the tree leaves that actor out of the child machines.
import { createActor, fromCallback } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SELF_WATCH_ID, supervisorMachine } from '../../machines/supervisor.js';
import { childMachines, treeView } from '../../src/supervisor/treeView.js';

const T0 = 1_700_000_000_000;

function withSelfWatch() {
  const calls: string[] = [];
  const machine = supervisorMachine.provide({
    actors: {
      selfWatch: fromCallback(() => {
        calls.push('start');
        return () => calls.push('stop');
      }),
    },
  });
  const root = createActor(machine, { input: { children: [], now: T0 } });
  return { root, calls };
}

describe('self-watch', () => {
  it('starts with the machine and stops when the tree has stopped', () => {
    const { root, calls } = withSelfWatch();
    root.start();
    expect(calls).toEqual(['start']);
    expect(root.getSnapshot().value).toBe('running');
    root.send({ type: 'STOP', at: T0 + 1 });
    expect(root.getSnapshot().status).toBe('done');
    expect(calls).toEqual(['start', 'stop']);
  });

  it('stops when the machine is stopped from outside (a forced stop)', () => {
    const { root, calls } = withSelfWatch();
    root.start();
    root.stop();
    expect(calls).toEqual(['start', 'stop']);
  });

  it('is not one of the child machines the host reads', () => {
    const { root } = withSelfWatch();
    root.start();
    expect(Object.keys(root.getSnapshot().children)).toContain(SELF_WATCH_ID);
    expect(childMachines(root)).toEqual({});
    expect(treeView(root).childSnapshots()).toEqual([]);
    root.stop();
  });
});
