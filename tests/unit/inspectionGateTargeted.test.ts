// A viewer that names the processes it follows (the live page, which shows one chart): only those
// publish, a process it stops naming stops at once, and one it names again announces again. A
// viewer that wants only state changes gets no event records and no self-transitions.
import { createActor, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { toInspectorPresence, type InspectionRecord } from '../../src/contracts/inspection.js';
import { InspectionGate } from '../../src/inspect/gate.js';

const machine = createMachine({
  id: 'm',
  initial: 'a',
  states: { a: { on: { NEXT: 'b' } }, b: { on: { NEXT: 'a' } } },
});

function rig(actor: string) {
  const records: InspectionRecord[] = [];
  const gate = new InspectionGate({ actor, publish: (r) => records.push(r), now: () => 1_000 });
  const ref = createActor(machine).start();
  gate.addRoot(ref);
  return { gate, ref, records };
}

describe('inspection gate with a targeted viewer', () => {
  it('publishes only in the processes the viewer names', () => {
    const runner = rig('runner-1');
    const watchdog = rig('watchdog');
    for (const { gate } of [runner, watchdog]) gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['runner-1'] });
    runner.ref.send({ type: 'NEXT' });
    watchdog.ref.send({ type: 'NEXT' });
    expect(runner.records.map((r) => r.type)).toEqual(['@xstate.actor', '@xstate.event', '@xstate.snapshot']);
    expect(watchdog.records).toEqual([]);
    expect(watchdog.gate.isObserving).toBe(false);
  });

  it('stops at once when no longer named, and announces again when named again', () => {
    const { gate, ref, records } = rig('runner-1');
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['runner-1'] });
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['watchdog'] });
    expect(gate.attached).toBe(false);
    expect(gate.isObserving).toBe(false);
    records.length = 0;
    ref.send({ type: 'NEXT' });
    expect(records).toEqual([]);
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['runner-1'] });
    expect(records.map((r) => r.type)).toEqual(['@xstate.actor']);
  });

  it('keeps publishing for another viewer when one stops naming it', () => {
    const { gate, ref, records } = rig('runner-1');
    gate.presence({ viewer: 'inspect', ttlMs: 6_000 });
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['runner-1'] });
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: [] });
    records.length = 0;
    ref.send({ type: 'NEXT' });
    expect(records.map((r) => r.type)).toEqual(['@xstate.event', '@xstate.snapshot']);
  });

  it('sends only state changes while every viewer wants only those, everything once one wants more', () => {
    const { gate, ref, records } = rig('watchdog');
    gate.presence({ viewer: 'page', ttlMs: 6_000, actors: ['watchdog'], changesOnly: true });
    records.length = 0;
    ref.send({ type: 'SELF' });
    ref.send({ type: 'SELF' });
    expect(records).toEqual([]);
    ref.send({ type: 'NEXT' });
    expect(records.map((r) => [r.type, r.type === '@xstate.snapshot' ? r.snapshot.value : undefined])).toEqual([
      ['@xstate.snapshot', 'b'],
    ]);
    gate.presence({ viewer: 'inspect', ttlMs: 6_000 });
    records.length = 0;
    ref.send({ type: 'NEXT' });
    ref.send({ type: 'SELF' });
    expect(records.map((r) => r.type)).toEqual([
      '@xstate.event',
      '@xstate.snapshot',
      '@xstate.event',
      '@xstate.snapshot',
    ]);
  });

  it('the contract takes a list of process names, and nothing else there', () => {
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000, actors: ['runner-1'] })).toEqual({
      viewer: 'v',
      ttlMs: 6_000,
      actors: ['runner-1'],
    });
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000 })).toEqual({ viewer: 'v', ttlMs: 6_000 });
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000, actors: 'runner-1' })).toBeUndefined();
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000, actors: [''] })).toBeUndefined();
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000, changesOnly: true })).toEqual({
      viewer: 'v',
      ttlMs: 6_000,
      changesOnly: true,
    });
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6_000, changesOnly: 'yes' })).toBeUndefined();
  });
});
