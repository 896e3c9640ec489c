// The watchdog's rhythm (machine), its liveness table (store) and its publishing policy.
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { watchdogMachine } from '../../machines/watchdog.js';
import {
  toHeartbeatRecord,
  toHeartbeatRecords,
  type HeartbeatRecord,
  type Verdict,
} from '../../src/contracts/index.js';
import { createLivenessTable } from '../../src/actors/livenessTable.js';
import { creditedSeed, shouldPublish } from '../../src/actors/watchdog.js';
import { assessLiveness } from '../../machines/liveness.js';

const hb = (over: Partial<HeartbeatRecord> = {}): HeartbeatRecord => ({
  actor: 'chat',
  pid: 10,
  host: 'h',
  bootId: 'b1',
  buildId: 'x',
  state: 'running',
  seq: 1,
  uptimeMs: 5,
  loopLagMs: 0,
  rssBytes: 1,
  receivedAt: 1_000,
  ...over,
});
const v = (verdict: Verdict['verdict'], at: number): Verdict => ({
  actor: 'chat',
  verdict,
  pid: 10,
  bootId: 'b1',
  evidence: '',
  at,
});

describe('watchdog machine', () => {
  it('assesses every checkInterval, exactly, until drained', () => {
    const clock = new SimulatedClock();
    const checks: number[] = [];
    const actor = createActor(
      watchdogMachine.provide({ actions: { assessAll: () => void checks.push(clock.now()) } }),
      {
        clock,
        input: { checkIntervalMs: 500 },
      },
    );
    actor.start();
    clock.increment(499);
    expect(checks).toEqual([]);
    clock.increment(1);
    expect(checks).toEqual([500]);
    // One wait at a time: a single long increment fires chained timers late in SimulatedClock.
    clock.increment(500);
    clock.increment(500);
    expect(checks).toEqual([500, 1000, 1500]);
    actor.send({ type: 'DRAIN' });
    clock.increment(5000);
    expect(checks).toHaveLength(3);
    expect(actor.getSnapshot().status).toBe('done');
  });
});

describe('liveness table', () => {
  it('keeps the latest heartbeat and verdict per actor; a new boot replaces the old entry', () => {
    const table = createLivenessTable();
    table.trigger.heartbeat({ record: hb() });
    table.trigger.verdict({ verdict: v('stale', 2_000), published: true });
    expect(table.getSnapshot().context.entries.chat).toMatchObject({
      verdict: { verdict: 'stale' },
      publishedAt: 2_000,
    });
    table.trigger.heartbeat({ record: hb({ seq: 2, receivedAt: 3_000 }) });
    expect(table.getSnapshot().context.entries.chat?.verdict?.verdict).toBe('stale'); // same boot keeps its verdict
    table.trigger.heartbeat({ record: hb({ pid: 11, bootId: 'b2', receivedAt: 4_000 }) });
    expect(table.getSnapshot().context.entries.chat).toEqual({
      heartbeat: hb({ pid: 11, bootId: 'b2', receivedAt: 4_000 }),
    });
    table.trigger.forget({ actor: 'chat' });
    expect(table.getSnapshot().context.entries).toEqual({});
  });

  it('is seeded with heartbeats the supervisor heard, which never replace one it heard itself', () => {
    const table = createLivenessTable();
    table.trigger.heartbeat({ record: hb({ seq: 9, receivedAt: 5_000 }) });
    table.trigger.seed({ records: [hb({ seq: 3, receivedAt: 4_000 }), hb({ actor: 'bridge', receivedAt: 1_500 })] });
    expect(table.getSnapshot().context.entries.chat?.heartbeat.seq).toBe(9);
    expect(table.getSnapshot().context.entries.bridge?.heartbeat).toEqual(hb({ actor: 'bridge', receivedAt: 1_500 }));
  });

  it('counts a seeded heartbeat as heard no earlier than the seed: a frozen actor is judged staleAfter later', () => {
    // The supervisor last heard the runner 11 s ago: its host was cut off from the bus and is back.
    const seeded = creditedSeed([hb({ receivedAt: 1_000 }), hb({ actor: 'bridge', receivedAt: 13_000 })], 12_000);
    expect(seeded.map((r) => r.receivedAt)).toEqual([12_000, 13_000]);
    const settings = { staleAfterMs: 1_500, maxLoopLagMs: 3_000 };
    const judged = (now: number) =>
      assessLiveness(seeded[0]!, { now, processAlive: true, diskBuildId: undefined }, settings).verdict;
    expect(judged(12_100)).toBe('healthy'); // not restarted while it reconnects
    expect(judged(13_600)).toBe('stale'); // still silent: judged, as the seed is for
    expect(
      assessLiveness(seeded[0]!, { now: 12_100, processAlive: false, diskBuildId: undefined }, settings).verdict,
    ).toBe('dead');
  });

  it('reads a supervisor heartbeats reply, keeping each receivedAt and dropping unusable records', () => {
    const reply = { heartbeats: [hb({ receivedAt: 7_000 }), { actor: 'x' }, { ...hb(), receivedAt: 'soon' }, null] };
    expect(toHeartbeatRecords(reply)).toEqual([hb({ receivedAt: 7_000 })]);
    expect(toHeartbeatRecords({ nope: 1 })).toEqual([]);
    expect(toHeartbeatRecords(null)).toEqual([]);
  });
});

describe('publishing verdicts', () => {
  it('publishes changes, repeats unhealthy ones every interval, and stays quiet while healthy', () => {
    const entry = { heartbeat: hb() };
    expect(shouldPublish(entry, v('healthy', 1_000), 2_000)).toBe(true); // first verdict
    const healthy = { ...entry, verdict: v('healthy', 1_000), publishedAt: 1_000 };
    expect(shouldPublish(healthy, v('healthy', 9_000), 2_000)).toBe(false);
    expect(shouldPublish(healthy, v('stale', 9_000), 2_000)).toBe(true);
    const stale = { ...entry, verdict: v('stale', 9_000), publishedAt: 9_000 };
    expect(shouldPublish(stale, v('stale', 10_999), 2_000)).toBe(false);
    expect(shouldPublish(stale, v('stale', 11_000), 2_000)).toBe(true);
  });
});

describe('heartbeat payloads', () => {
  it('are validated at the boundary: missing identity is refused, bad numbers become 0', () => {
    expect(toHeartbeatRecord({ pid: 1, bootId: 'b' }, 5)).toBeUndefined();
    expect(toHeartbeatRecord({ actor: 'chat', pid: '1', bootId: 'b' }, 5)).toBeUndefined();
    expect(toHeartbeatRecord({ actor: 'chat', pid: 1, bootId: 'b', loopLagMs: 'lots', seq: 3 }, 5)).toMatchObject({
      loopLagMs: 0,
      seq: 3,
      receivedAt: 5,
    });
  });
});
