// What the page is told about machines: a root machine's snapshot with a new state is a
// transition (with the event that caused it); events, helpers' snapshots and repeats are not.
import { describe, expect, it } from 'vitest';
import type { InspectionRecord } from '../../src/contracts/inspection.js';
import { LiveState } from '../../src/web/liveState.js';

const base = {
  actor: 'runner-1',
  rootId: 'runner-1/x:0',
  createdAt: '5000', // ms since the epoch, as src/actors/inspection.ts writes it
  id: null,
  _version: '0.7.2',
};
const snapshot = (sessionId: string, value: unknown, event: string): InspectionRecord => ({
  ...base,
  type: '@xstate.snapshot',
  sessionId,
  event: { type: event },
  snapshot: { value },
});

describe('LiveState', () => {
  it('turns a root machine’s changed state into a transition', () => {
    const live = new LiveState();
    expect(live.inspect(snapshot('runner-1/x:0', 'idle', 'xstate.init'))).toBeUndefined();
    expect(live.inspect(snapshot('runner-1/x:0', 'idle', 'TICK'))).toBeUndefined();
    expect(
      live.inspect({
        ...base,
        type: '@xstate.event',
        sessionId: 'runner-1/x:0',
        sourceId: undefined,
        event: { type: 'X' },
      }),
    ).toBeUndefined();
    expect(live.inspect(snapshot('runner-1/x:1', 'working', 'GO'))).toBeUndefined(); // an invoked helper
    const t = live.inspect(snapshot('runner-1/x:0', { busy: 'preparing' }, 'MISSION.CLAIMED'));
    expect(t).toEqual({
      actor: 'runner-1',
      sessionId: 'runner-1/x:0',
      at: 5000,
      from: 'idle',
      to: { busy: 'preparing' },
      event: 'MISSION.CLAIMED',
    });
    expect(live.snapshot().transitions).toEqual({ 'runner-1': [t] });
  });

  it('keeps a runner’s pipeline breaker, a root of its own, out of the runner’s transitions', () => {
    const live = new LiveState();
    const breaker = 'runner-1/x:7';
    live.inspect({
      ...base,
      type: '@xstate.actor',
      name: 'runner-1/pipeline.push',
      sessionId: breaker,
      rootId: breaker,
      parentId: undefined,
      definition: {},
      snapshot: { value: 'closed' },
    } as InspectionRecord);
    const breakerSnapshot = (value: string): InspectionRecord => ({
      ...snapshot(breaker, value, 'FAILED'),
      rootId: breaker,
    });
    expect(live.inspect(breakerSnapshot('closed'))).toBeUndefined();
    expect(live.inspect(breakerSnapshot('open'))).toBeUndefined();
    expect(live.snapshot().transitions).toEqual({});
  });

  it('tells a heartbeat that changed the state or the pid from one that did not', () => {
    const live = new LiveState();
    expect(live.beat('web', { at: 1, state: 'serving', pid: 10 })).toBe(true);
    expect(live.beat('web', { at: 2, state: 'serving', pid: 10 })).toBe(false);
    expect(live.beat('web', { at: 3, state: 'serving', pid: 11 })).toBe(true);
  });

  it('keeps the streamed output of the latest missions only', () => {
    const live = new LiveState();
    for (let i = 0; i < 25; i++)
      live.addProgress({ runner: 'runner-1', missionId: `m${i}`, kind: 'text', text: 't', at: i });
    const kept = Object.keys(live.snapshot().progress as Record<string, unknown>);
    expect(kept).toHaveLength(20);
    expect(kept[0]).toBe('m5');
  });
});
