// The inspection gate: nothing leaves a process while no inspector is present, every machine
// is announced (with its definition) to a new viewer, and records pass the contract's validator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assign, createActor, createMachine, fromCallback } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  STATELY_INSPECT_VERSION,
  toInspectionRecord,
  toInspectorPresence,
  type InspectionRecord,
} from '../../src/contracts/inspection.js';
import { InspectionGate } from '../../src/inspect/gate.js';

const child = createMachine({ id: 'child', initial: 'idle', states: { idle: { on: { GO: 'busy' } }, busy: {} } });
const parent = createMachine({
  id: 'parent',
  initial: 'a',
  context: { count: 0 },
  invoke: [
    { id: 'worker', src: child },
    { id: 'ticker', src: fromCallback(() => () => undefined) },
  ],
  states: {
    a: { on: { NEXT: { target: 'b', actions: assign({ count: ({ context }) => context.count + 1 }) } } },
    b: { on: { NEXT: 'a' } },
  },
});

function rig() {
  let now = 1_000;
  const records: InspectionRecord[] = [];
  const gate = new InspectionGate({ actor: 'runner-1', publish: (r) => records.push(r), now: () => now });
  const actor = createActor(parent).start();
  gate.addRoot(actor);
  return { gate, actor, records, advance: (ms: number) => (now += ms) };
}

describe('inspection gate', () => {
  it('publishes nothing while no inspector is present', () => {
    const { gate, actor, records } = rig();
    actor.send({ type: 'NEXT' });
    actor.send({ type: 'NEXT' });
    expect(records).toEqual([]);
    // Not even an observer on the actor system: XState then skips inspection altogether.
    expect(gate.isObserving).toBe(false);
  });

  it('announces every live actor with its definition to a new viewer, then follows events', () => {
    const { gate, actor, records } = rig();
    gate.presence({ viewer: 'v1', ttlMs: 6_000 });
    const actors = records.filter((r) => r.type === '@xstate.actor');
    expect(actors.map((r) => r.name)).toEqual(['runner-1', 'runner-1/worker', 'runner-1/ticker']);
    const root = actors[0]!;
    const worker = actors[1]!;
    expect(root).toMatchObject({ parentId: undefined, rootId: root.sessionId, _version: STATELY_INSPECT_VERSION });
    expect(root.type === '@xstate.actor' && JSON.parse(root.definition!)).toMatchObject({ id: 'parent' });
    expect(worker).toMatchObject({ parentId: root.sessionId, snapshot: { value: 'idle', status: 'active' } });
    expect(root.sessionId.startsWith('runner-1/')).toBe(true);

    records.length = 0;
    actor.send({ type: 'NEXT' });
    expect(records.map((r) => r.type)).toEqual(['@xstate.event', '@xstate.snapshot']);
    expect(records[0]).toMatchObject({ sessionId: root!.sessionId, event: { type: 'NEXT' } });
    expect(records[1]).toMatchObject({ snapshot: { value: 'b', context: { count: 1 } }, event: { type: 'NEXT' } });
    for (const record of records) expect(toInspectionRecord(record as never)).toBeDefined();

    // The same viewer renewing its presence is not announced to again.
    records.length = 0;
    gate.presence({ viewer: 'v1', ttlMs: 6_000 });
    expect(records).toEqual([]);
  });

  it('stops publishing once the presence expires, and announces again to a returning viewer', () => {
    const { gate, actor, records, advance } = rig();
    gate.presence({ viewer: 'v1', ttlMs: 6_000 });
    gate.presence({ viewer: 'v2', ttlMs: 6_000 });
    // A second viewer gets its own announcement.
    expect(records.filter((r) => r.type === '@xstate.actor')).toHaveLength(6);
    advance(6_001);
    expect(gate.attached).toBe(false);
    records.length = 0;
    actor.send({ type: 'NEXT' });
    expect(records).toEqual([]);
    expect(gate.isObserving).toBe(false);
    gate.presence({ viewer: 'v1', ttlMs: 6_000 });
    expect(gate.isObserving).toBe(true);
    expect(records.filter((r) => r.type === '@xstate.actor')).toHaveLength(3);
  });
});

describe('inspection contract', () => {
  it('refuses what is not a record of its process', () => {
    const base = { actor: 'chat', createdAt: '1', _version: '0.7.2', rootId: undefined };
    expect(
      toInspectionRecord({ ...base, type: '@xstate.event', sessionId: 'chat/x:0', event: { type: 'A' } }),
    ).toBeDefined();
    expect(toInspectionRecord({ ...base, type: '@xstate.event', sessionId: 'bridge/x:0', event: { type: 'A' } })).toBe(
      undefined,
    );
    expect(toInspectionRecord({ ...base, type: '@xstate.microstep', sessionId: 'chat/x:0' })).toBe(undefined);
    expect(toInspectionRecord({ ...base, type: '@xstate.snapshot', sessionId: 'chat/x:0', event: { type: 'A' } })).toBe(
      undefined,
    );
    expect(toInspectionRecord({ ...base, type: '@xstate.actor', sessionId: 'chat/x:0', name: 'chat' })).toBe(undefined);
  });

  it('takes a presence with a viewer and a bounded ttl only', () => {
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 6000 })).toEqual({ viewer: 'v', ttlMs: 6000 });
    expect(toInspectorPresence({ viewer: '', ttlMs: 6000 })).toBe(undefined);
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 0 })).toBe(undefined);
    expect(toInspectorPresence({ viewer: 'v', ttlMs: 86_400_000 })).toBe(undefined);
  });

  it('follows the installed @statelyai/inspect version', () => {
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../node_modules/@statelyai/inspect/package.json'), 'utf8'),
    ) as { version: string };
    expect(STATELY_INSPECT_VERSION).toBe(pkg.version);
  });
});
