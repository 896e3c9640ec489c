// The drain record against a real nats-server, and the supervisor's watch over it
// (src/supervisor/drain.ts) with runners that answer as the test says: it leaves only once every
// running runner has seen the mark and holds no mission, writes `left` first, never leaves after
// an undo, and stays up (held) when it starts on a host that already left.
import { describe, expect, it } from 'vitest';
import { JsonKv, type Bus } from '../../src/bus/index.js';
import type { RunnerDrainReply } from '../../src/contracts/drain.js';
import { silentLogger } from '../../src/log.js';
import { clearDrain, listDrains, markDraining, readDrain } from '../../src/missions/hostDrain.js';
import { watchHostDrain } from '../../src/supervisor/drain.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
let counter = 0;

async function stateKv(): Promise<{ bus: Bus; kv: JsonKv }> {
  const bus = await nats.connect('drain', `d${++counter}`);
  return { bus, kv: await JsonKv.open(bus, bus.subjects.stateBucket) };
}

/** Runners `runner-1` and `runner-2` answering the drain-state verb with what `replies` holds now. */
function fakeRunners(bus: Bus, replies: Map<string, RunnerDrainReply>): void {
  for (const name of ['runner-1', 'runner-2']) {
    bus.serve(bus.subjects.control(name), async () => replies.get(name) ?? {});
  }
}

/** The supervisor's watch of `host`'s mark, checking every 50 ms; `stops` collects its shutdown reasons. */
function watch(bus: Bus, host: string, children: () => Array<{ name: string; state: string; pid: number | null }>) {
  const stops: string[] = [];
  const stop = watchHostDrain({
    host,
    bus: Promise.resolve(bus),
    children,
    shutdown: (reason) => stops.push(reason),
    logger: silentLogger(),
    checkMs: 50,
  });
  return { stops, stop };
}

const running = [
  { name: 'watchdog', state: 'running', pid: 10 },
  { name: 'runner-1', state: 'running', pid: 11 },
  { name: 'runner-2', state: 'running', pid: 12 },
];

describe('drain records', () => {
  it('marks once (the first asker stays), lists, clears', async () => {
    const { kv } = await stateKv();
    await kv.put('dispatch.pause', { paused: false, by: 'x', at: 0 });
    expect(await listDrains(kv)).toEqual([]);
    const first = await markDraining(kv, { host: 'h2', by: 'ana', at: 1, reason: 'disk' });
    expect(first).toEqual({
      record: { host: 'h2', state: 'draining', by: 'ana', at: 1, reason: 'disk' },
      created: true,
    });
    const again = await markDraining(kv, { host: 'h2', by: 'bo', at: 2 });
    expect(again).toEqual({ record: first.record, created: false });
    await markDraining(kv, { host: '', by: 'cy', at: 3 });
    expect((await listDrains(kv)).map((r) => [r.host, r.by])).toEqual([
      ['', 'cy'],
      ['h2', 'ana'],
    ]);
    expect(await clearDrain(kv, 'h2')).toMatchObject({ by: 'ana' });
    expect(await clearDrain(kv, 'h2')).toBeUndefined();
    expect(await readDrain(kv, 'h2')).toBeUndefined();
    expect((await listDrains(kv)).map((r) => r.host)).toEqual(['']);
  });
});

describe('the supervisor watch', () => {
  it('waits for every runner to have seen the mark and be idle, marks left, then stops the tree', async () => {
    const { bus, kv } = await stateKv();
    const replies = new Map<string, RunnerDrainReply>([
      ['runner-1', { drainSeen: true, state: 'busy', mission: 'm-1' }],
      ['runner-2', { drainSeen: false, state: 'paused', mission: null }],
    ]);
    fakeRunners(bus, replies);
    const { stops, stop } = watch(bus, 'h2', () => running);
    try {
      await markDraining(kv, { host: 'h2', by: 'ana', at: Date.now() });
      // Another host's mark is not this host's.
      await markDraining(kv, { host: 'h3', by: 'bo', at: Date.now() });
      await new Promise((r) => setTimeout(r, 400));
      expect(stops).toEqual([]);
      replies.set('runner-1', { drainSeen: true, state: 'paused', mission: null });
      await new Promise((r) => setTimeout(r, 300));
      expect(stops).toEqual([]); // runner-2 has not seen the mark: a resume could still reach it
      replies.set('runner-2', { drainSeen: true, state: 'paused', mission: null });
      await until(() => stops.length > 0, 'the tree stopped', { timeoutMs: 5_000 });
      expect(stops).toEqual(['drained by ana']);
      expect((await readDrain(kv, 'h2'))?.value).toMatchObject({ state: 'left', by: 'ana' });
      expect((await readDrain(kv, 'h3'))?.value.state).toBe('draining');
    } finally {
      stop();
    }
  });

  it('an undo before the runners are idle: nothing stops', async () => {
    const { bus, kv } = await stateKv();
    const replies = new Map<string, RunnerDrainReply>([
      ['runner-1', { drainSeen: true, state: 'busy', mission: 'm-1' }],
      ['runner-2', { drainSeen: true, state: 'paused', mission: null }],
    ]);
    fakeRunners(bus, replies);
    const { stops, stop } = watch(bus, '', () => running);
    try {
      await markDraining(kv, { host: '', by: 'ana', at: Date.now() });
      await new Promise((r) => setTimeout(r, 300));
      await clearDrain(kv, '');
      await new Promise((r) => setTimeout(r, 200));
      replies.set('runner-1', { drainSeen: true, state: 'paused', mission: null });
      await new Promise((r) => setTimeout(r, 400));
      expect(stops).toEqual([]);
      expect(await readDrain(kv, '')).toBeUndefined();
    } finally {
      stop();
    }
  });

  it('a runner without a process counts as idle; one starting or not answering does not', async () => {
    const { bus, kv } = await stateKv();
    const replies = new Map<string, RunnerDrainReply>([
      ['runner-1', { drainSeen: true, state: 'paused', mission: null }],
    ]);
    fakeRunners(bus, replies);
    let children: Array<{ name: string; state: string; pid: number | null }> = [
      { name: 'runner-1', state: 'running', pid: 11 },
      { name: 'runner-2', state: 'starting', pid: 12 },
      { name: 'runner-3', state: 'running', pid: 13 }, // nobody answers for it
    ];
    const { stops, stop } = watch(bus, 'h4', () => children);
    try {
      await markDraining(kv, { host: 'h4', by: 'ana', at: Date.now() });
      await new Promise((r) => setTimeout(r, 400));
      expect(stops).toEqual([]);
      children = [
        { name: 'runner-1', state: 'running', pid: 11 },
        { name: 'runner-2', state: 'backoff', pid: null },
        { name: 'runner-3', state: 'circuitOpen', pid: null },
      ];
      await until(() => stops.length > 0, 'the tree stopped', { timeoutMs: 5_000 });
    } finally {
      stop();
    }
  });

  it('starting on a host that already left: stays up, held, until an undo and a new drain', async () => {
    const { bus, kv } = await stateKv();
    const replies = new Map<string, RunnerDrainReply>([
      ['runner-1', { drainSeen: true, state: 'paused', mission: null }],
      ['runner-2', { drainSeen: true, state: 'paused', mission: null }],
    ]);
    fakeRunners(bus, replies);
    await kv.put('drain.h5', { host: 'h5', state: 'left', by: 'ana', at: 1, leftAt: 2 });
    const { stops, stop } = watch(bus, 'h5', () => running);
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(stops).toEqual([]);
      await clearDrain(kv, 'h5');
      await markDraining(kv, { host: 'h5', by: 'bo', at: Date.now() });
      await until(() => stops.length > 0, 'the tree stopped', { timeoutMs: 5_000 });
      expect(stops).toEqual(['drained by bo']);
    } finally {
      stop();
    }
  });
});
