// The mission store against a real nats-server: intake, de-duplication, ordering, claims by
// compare-and-set under contention, leases, poison, cancellation events, and the index that
// follows the bucket. Each test uses its own prefix, so its own bucket.
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/index.js';
import {
  DuplicateMissionError,
  InvalidTransitionError,
  LeaseLostError,
  UnknownMissionError,
  AmbiguousMissionIdError,
} from '../../src/missions/errors.js';
import type { MissionEvent } from '../../src/contracts/index.js';
import type { MissionSettings } from '../../src/missions/settings.js';
import { MissionStore } from '../../src/missions/store.js';
import { silentLogger } from '../../src/log.js';
import { useNats } from '../harness/nats.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { until } from '../harness/until.js';

const nats = useNats();
const stores: MissionStore[] = [];
let counter = 0;

afterAll(() => {
  for (const store of stores) store.close();
});

const SETTINGS = testMissionSettings({ projects: { names: ['app', 'lib'], defaultProject: 'app' } });

async function connect(prefix: string): Promise<Bus> {
  const bus = await nats.connect(`test-${prefix}`, prefix); // drained by the fixture, after the stores close
  return bus;
}

/** A fresh bucket (own prefix) and a store on it; `more` extra stores on the same bucket, each with its own connection. */
async function setup(more = 0, settings: MissionSettings = SETTINGS) {
  const prefix = `t${++counter}`;
  const bus = await connect(prefix);
  const store = await MissionStore.open(bus, settings, { logger: silentLogger() });
  stores.push(store);
  const others: MissionStore[] = [];
  for (let i = 0; i < more; i++) {
    const other = await MissionStore.open(await connect(prefix), settings, { logger: silentLogger() });
    stores.push(other);
    others.push(other);
  }
  const events: MissionEvent[] = [];
  bus.subscribe(bus.subjects.missionEvents, (payload) => void events.push(payload as unknown as MissionEvent));
  await bus.nc.flush();
  return { bus, store, others, events };
}

describe('intake', () => {
  it('add, get (by id or prefix), list', async () => {
    const { store, events } = await setup();
    const a = await store.add({
      text: '[project:lib] /rebase https://github.com/o/r/pull/42',
      source: 'cli',
      by: 'ana',
    });
    expect(a).toMatchObject({
      project: 'lib',
      kind: 'rebase',
      url: 'https://github.com/o/r/pull/42',
      status: 'pending',
      source: 'cli',
      by: 'ana',
      attempts: 0,
      maxAttempts: 3,
    });
    expect(a.id).toMatch(/^[0-9a-z]{11}$/);
    const b = await store.add({ text: 'fix the flaky test' });
    expect(b).toMatchObject({ project: 'app', kind: 'free', source: 'nats' });
    expect(b.order).toBeGreaterThan(a.order);
    expect(await store.get(a.id)).toEqual(a);
    expect((await store.get(b.id.slice(0, 10))).id).toBe(b.id);
    await expect(store.get('zzzz')).rejects.toThrow(UnknownMissionError);
    expect(() => store.resolveId(a.id.slice(0, 2))).toThrow(AmbiguousMissionIdError);
    expect(store.list().map((m) => m.id)).toEqual([a.id, b.id]);
    expect(store.list({ status: 'done' })).toEqual([]);
    await until(() => events.length === 2, 'two added events');
    expect(events[0]).toMatchObject({
      type: 'added',
      id: a.id,
      status: 'pending',
      project: 'lib',
      kind: 'rebase',
      url: a.url,
      by: 'ana',
    });
  });

  it('refuses the same command on the same URL while pending or running; free text is never de-duplicated', async () => {
    const { store } = await setup();
    const first = await store.add({ text: '/review https://github.com/o/r/pull/7' });
    await expect(store.add({ text: '/review https://github.com/o/r/pull/7/' })).rejects.toThrow(
      new DuplicateMissionError(first.id, 'pending'),
    );
    await expect(store.add({ text: '/review https://github.com/o/r/pull/7' })).rejects.toMatchObject({
      code: 'duplicate',
      message: `already queued as ${first.id} (pending)`,
    });
    // Another command on the same URL is a different mission.
    await store.add({ text: '/rebase https://github.com/o/r/pull/7' });
    await store.claim('runner-1');
    await expect(store.add({ text: '/review https://github.com/o/r/pull/7' })).rejects.toThrow(
      `already queued as ${first.id} (running)`,
    );
    await store.finish(first.id, 'runner-1', { class: 'success' });
    const again = await store.add({ text: '/review https://github.com/o/r/pull/7' });
    expect(again.id).not.toBe(first.id);
    await store.add({ text: 'fix it' });
    await store.add({ text: 'fix it' });
    expect(store.list({ status: 'pending' }).filter((m) => m.text === 'fix it')).toHaveLength(2);
  });

  it('concurrent adds of one command: exactly one is queued', async () => {
    const { store } = await setup();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => store.add({ text: '/fix https://github.com/o/r/issues/1' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('now: true goes first; reorder to top, bottom and a position', async () => {
    const { store } = await setup();
    const [a, b, c] = [await store.add({ text: 'a' }), await store.add({ text: 'b' }), await store.add({ text: 'c' })];
    const urgent = await store.add({ text: 'urgent', now: true });
    const queue = () => store.list({ status: 'pending' }).map((m) => m.text);
    expect(queue()).toEqual(['urgent', 'a', 'b', 'c']);
    await store.reorder(c.id, 'top');
    expect(queue()).toEqual(['c', 'urgent', 'a', 'b']);
    await store.reorder(c.id, 'bottom');
    expect(queue()).toEqual(['urgent', 'a', 'b', 'c']);
    await store.reorder(c.id, 2);
    expect(queue()).toEqual(['urgent', 'c', 'a', 'b']);
    await store.reorder(urgent.id, 3);
    expect(queue()).toEqual(['c', 'a', 'urgent', 'b']);
    await store.reorder(a.id, 99);
    expect(queue()).toEqual(['c', 'urgent', 'b', 'a']);
    const d = await store.add({ text: 'd' });
    expect(queue().at(-1)).toBe('d');
    expect((await store.claim('runner-1'))?.text).toBe('c');
    await expect(store.reorder(c.id, 'top')).rejects.toThrow(InvalidTransitionError);
    expect([b.id, d.id]).toHaveLength(2);
  });

  it('unknown project and bad commands are refused with their codes', async () => {
    const { store } = await setup();
    await expect(store.add({ text: '[project:web] x' })).rejects.toMatchObject({ code: 'unknown_project' });
    await expect(store.add({ text: '/rebase please' })).rejects.toMatchObject({ code: 'invalid_mission' });
  });
});

describe('claims and leases', () => {
  it('two concurrent claimers over 20 missions: each mission claimed exactly once', async () => {
    const { store, others } = await setup(1);
    const other = others[0] as MissionStore;
    for (let i = 0; i < 20; i++) await store.add({ text: `mission ${i}` });
    await until(() => other.list({ status: 'pending' }).length === 20, 'the second index to see 20 missions');
    const claimed: Record<string, string[]> = { a: [], b: [] };
    const drain = async (s: MissionStore, name: 'a' | 'b') => {
      for (;;) {
        const m = await s.claim(`runner-${name}`);
        if (!m) return;
        claimed[name]?.push(m.id);
      }
    };
    await Promise.all([drain(store, 'a'), drain(other, 'b'), drain(store, 'a'), drain(other, 'b')]);
    const all = [...(claimed.a ?? []), ...(claimed.b ?? [])];
    expect(all).toHaveLength(20);
    expect(new Set(all).size).toBe(20);
    await until(() => store.list({ status: 'running' }).length === 20, 'all 20 running');
    for (const m of store.list({ status: 'running' })) {
      expect(m.attempts).toBe(1);
      expect(claimed.a?.includes(m.id) ? 'runner-a' : 'runner-b').toBe(m.lease?.runner);
    }
  });

  it('claims in queue order, skipping missions whose notBefore is ahead', async () => {
    const { store } = await setup();
    const t = Date.now();
    const a = await store.add({ text: 'a' });
    await store.add({ text: 'b' });
    const claimedA = await store.claim('r1', t);
    expect(claimedA?.id).toBe(a.id);
    expect(claimedA).toMatchObject({
      status: 'running',
      attempts: 1,
      lease: { runner: 'r1', until: t + 30_000 },
      startedAt: t,
    });
    // A transient failure puts it back with a backoff; b is next, then nothing until the backoff passes.
    const requeued = await store.finish(a.id, 'r1', { class: 'transient', error: '529 overloaded' }, t + 10);
    expect(requeued).toMatchObject({ status: 'pending', attempts: 0, transientAttempts: 1, notBefore: t + 1_010 });
    expect((await store.claim('r1', t + 20))?.text).toBe('b');
    expect(await store.claim('r1', t + 1_009)).toBeUndefined();
    expect((await store.claim('r1', t + 1_010))?.id).toBe(a.id);
  });

  it('renew extends the lease; LeaseLostError once the mission was reclaimed or cancelled', async () => {
    const { store } = await setup();
    const t = Date.now();
    const m = await store.add({ text: 'long job' });
    await store.claim('runner-1', t);
    expect((await store.renew(m.id, 'runner-1', t + 10_000)).lease).toEqual({ runner: 'runner-1', until: t + 40_000 });
    await expect(store.renew(m.id, 'runner-2', t + 10_000)).rejects.toThrow(LeaseLostError);
    // The lease runs out: back to pending, then another runner takes it.
    expect(await store.expireLeases(t + 40_000)).toEqual([]);
    const expired = await store.expireLeases(t + 40_001);
    expect(expired.map((x) => [x.id, x.status, x.attempts])).toEqual([[m.id, 'pending', 1]]);
    await expect(store.renew(m.id, 'runner-1', t + 40_002)).rejects.toThrow(/back to the queue/);
    await store.claim('runner-2', t + 40_003);
    await expect(store.renew(m.id, 'runner-1', t + 40_004)).rejects.toMatchObject({ code: 'lease_lost' });
    await expect(store.finish(m.id, 'runner-1', { class: 'success' })).rejects.toThrow(LeaseLostError);
    expect((await store.finish(m.id, 'runner-2', { class: 'success', result: { summary: 'ok' } })).status).toBe('done');
  });

  it('a renew through a stale index is decided on the bucket', async () => {
    const { store, others } = await setup(1);
    const other = others[0] as MissionStore;
    const t = Date.now();
    const m = await store.add({ text: 'x' });
    await store.claim('runner-1', t);
    await until(() => other.list({ status: 'running' }).length === 1, 'the other index to see the claim');
    await store.renew(m.id, 'runner-1', t + 1); // the other index is now one revision behind, at most briefly
    expect((await other.renew(m.id, 'runner-1', t + 2)).lease?.until).toBe(t + 30_002);
  });

  it('expired leases: pending while attempts remain, then failed as poison', async () => {
    const { store, events } = await setup();
    let t = Date.now();
    const m = await store.add({ text: 'crashes its runner' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await store.claim(`runner-${attempt}`, t))?.attempts).toBe(attempt);
      t += 30_001;
      const [changed] = await store.expireLeases(t);
      expect(changed?.status).toBe(attempt < 3 ? 'pending' : 'failed');
    }
    const failed = await store.get(m.id);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 3,
      result: { error: 'abandoned by its runner 3 times (poison)' },
    });
    expect(await store.claim('runner-4', t)).toBeUndefined();
    await until(() => events.filter((e) => e.id === m.id).length === 7, 'seven events');
    expect(events.filter((e) => e.id === m.id).map((e) => e.type)).toEqual([
      'added',
      'claimed',
      'expired',
      'claimed',
      'expired',
      'claimed',
      'failed',
    ]);
    expect(events.at(-1)).toMatchObject({
      type: 'failed',
      runner: 'runner-3',
      reason: 'abandoned by its runner 3 times (poison)',
    });
  });

  it('permanent failures retry with backoff until attempts are spent', async () => {
    const { store } = await setup();
    let t = Date.now();
    const m = await store.add({ text: 'always fails' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = await store.claim('r', t);
      expect(claimed?.id).toBe(m.id);
      const after = await store.finish(m.id, 'r', { class: 'permanent', error: `exit 1 (try ${attempt})` }, t);
      if (attempt < 3) {
        expect(after).toMatchObject({ status: 'pending', notBefore: t + 1_000 * 2 ** (attempt - 1) });
        t = after.notBefore ?? t;
      } else {
        expect(after).toMatchObject({
          status: 'failed',
          lastError: 'exit 1 (try 3)',
          result: { error: 'exit 1 (try 3)', errorClass: 'permanent' },
        });
      }
    }
  });
});

describe('cancel', () => {
  it('pending → cancelled; done cannot be cancelled', async () => {
    const { store } = await setup();
    const m = await store.add({ text: 'x' });
    expect((await store.cancel(m.id.slice(0, 11), 'ana')).status).toBe('cancelled');
    await expect(store.cancel(m.id)).rejects.toThrow(InvalidTransitionError);
    expect(await store.claim('r')).toBeUndefined();
  });

  it('cancelling a running mission publishes an event naming the runner, whose renew then fails', async () => {
    const { store, events } = await setup();
    const m = await store.add({ text: 'slow' });
    await store.claim('runner-7');
    const cancelled = await store.cancel(m.id, 'ana');
    expect(cancelled).toMatchObject({ status: 'cancelled', lease: { runner: 'runner-7' } });
    const event = await until(() => events.find((e) => e.type === 'cancelled'), 'the cancelled event');
    expect(event).toMatchObject({
      type: 'cancelled',
      id: m.id,
      runner: 'runner-7',
      status: 'cancelled',
      reason: 'cancelled by ana',
    });
    await expect(store.renew(m.id, 'runner-7')).rejects.toThrow(/it is cancelled/);
    // The runner still records how its run ended; the mission stays cancelled.
    const final = await store.finish(m.id, 'runner-7', { class: 'cancelled', result: { costUsd: 0.12 } });
    expect(final).toMatchObject({ status: 'cancelled', result: { costUsd: 0.12, errorClass: 'cancelled' } });
    expect(final.lease).toBeUndefined();
  });
});

describe('the index', () => {
  it('follows changes made through another connection, and starts from what the bucket holds', async () => {
    const { store, others, bus } = await setup(1);
    const other = others[0] as MissionStore;
    const m = await other.add({ text: '/implement https://github.com/o/r/issues/9' });
    await until(() => store.list().length === 1, 'the first index to see the add');
    // De-duplication sees it too.
    await expect(store.add({ text: '/implement https://github.com/o/r/issues/9' })).rejects.toThrow(
      DuplicateMissionError,
    );
    await other.cancel(m.id);
    await until(() => store.list({ status: 'cancelled' }).length === 1, 'the cancel');
    const late = await MissionStore.open(await connect(bus.prefix), SETTINGS);
    stores.push(late);
    expect(late.list().map((x) => [x.id, x.status])).toEqual([[m.id, 'cancelled']]);
  });

  it('tells listeners about every change', async () => {
    const { store } = await setup();
    const seen: string[] = [];
    const off = store.onChange((id, mission) => seen.push(`${id}:${mission?.status}`));
    const m = await store.add({ text: 'x' });
    await store.claim('r');
    off();
    await store.finish(m.id, 'r', { class: 'success' });
    expect(seen).toEqual([`${m.id}:pending`, `${m.id}:running`]);
  });
});
