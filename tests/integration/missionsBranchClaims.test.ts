// One mission per branch at a time, against a real nats-server: a mission on a PR (or branch)
// another mission holds waits and says for whom; the wait ends on finish, on cancel once the
// runner reports, and on reap; two runners claiming at once on two stores never both win.
import { afterAll, describe, expect, it } from 'vitest';
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

const SETTINGS = testMissionSettings();
const PR = 'https://github.com/o/r/pull/7';

async function open(prefix: string): Promise<MissionStore> {
  const bus = await nats.connect(`test-${prefix}`, prefix); // drained by the fixture, after the stores close
  const store = await MissionStore.open(bus, SETTINGS, { logger: silentLogger() });
  stores.push(store);
  return store;
}

async function twoStores(): Promise<[MissionStore, MissionStore]> {
  const prefix = `bc${++counter}`;
  return [await open(prefix), await open(prefix)];
}

/** A fresh store with a /rebase then a /ci_check on PR, the rebase claimed by runner-1 at `t`. */
async function rebaseHoldingPr() {
  const [store] = await twoStores();
  const t = Date.now();
  const rebase = await store.add({ text: `/rebase ${PR}` });
  const ci = await store.add({ text: `/ci_check ${PR}` });
  await store.claim('runner-1', t);
  return { store, t, rebase, ci };
}

describe('one mission per branch', () => {
  it('a second mission on the same PR waits for the first, says so, and runs once the first finishes', async () => {
    const [store] = await twoStores();
    const t = Date.now();
    const rebase = await store.add({ text: `/rebase ${PR}` });
    const ci = await store.add({ text: `/ci_check ${PR}` });
    const free = await store.add({ text: 'something else' });
    expect((await store.claim('runner-1', t))?.id).toBe(rebase.id);
    // The next claim skips the mission on the held PR and takes the free one behind it.
    expect((await store.claim('runner-2', t + 1))?.id).toBe(free.id);
    expect(await store.claim('runner-3', t + 2)).toBeUndefined();
    expect(store.waitingFor(await store.get(ci.id), t + 3)).toEqual({ id: rebase.id, label: 'o/r#7' });
    await store.finish(rebase.id, 'runner-1', { class: 'success', result: { branch: 'roshi/fix-7' } }, t + 4);
    expect(store.waitingFor(await store.get(ci.id), t + 5)).toBeUndefined();
    const claimed = await store.claim('runner-1', t + 5);
    expect(claimed?.id).toBe(ci.id);
    // The locks share the bucket but are not missions: nothing quarantined.
    expect(store.quarantined()).toEqual([]);
  });

  it('names the branch once the holder has recorded it, and a retry of a mission keeps its own lock', async () => {
    const { store, t, rebase, ci } = await rebaseHoldingPr();
    await store.finish(rebase.id, 'runner-1', { class: 'transient', result: { branch: 'roshi/x' } }, t + 1);
    // The ci_check runs now; the rebase, requeued, waits for it on the branch it recorded.
    expect((await store.claim('runner-1', t + 2))?.id).toBe(ci.id);
    const waiting = store.waitingFor(await store.get(rebase.id), t + 5_000);
    expect(waiting).toEqual({ id: ci.id, label: 'roshi/x' });
    await store.finish(ci.id, 'runner-1', { class: 'success', result: { branch: 'roshi/x' } }, t + 3);
    expect((await store.claim('runner-1', t + 5_000))?.id).toBe(rebase.id);
    expect(store.waitingFor(await store.get(ci.id), t + 5_001)).toBeUndefined();
  });

  it('two runners on two connections claiming at once: only one mission on the PR runs', async () => {
    for (let round = 0; round < 5; round++) {
      const [a, b] = await twoStores();
      const t = Date.now();
      await a.add({ text: `/rebase ${PR}` });
      await a.add({ text: `/ci_check ${PR}` });
      await until(() => b.list({ status: 'pending' }).length === 2, 'the second index to see both missions');
      const claimed = await Promise.all([a.claim('runner-a', t), b.claim('runner-b', t)]);
      expect(claimed.filter((m) => m !== undefined)).toHaveLength(1);
      await until(() => a.list({ status: 'running' }).length === 1, 'the claim in the index');
      expect(a.list({ status: 'running' })).toHaveLength(1);
      // Even a store that missed the running mission (index behind) is refused by the lock.
      expect(await a.claim('runner-c', t + 1)).toBeUndefined();
      expect(await b.claim('runner-d', t + 1)).toBeUndefined();
    }
  });

  it('a reaped holder gives the branch back; a cancelled one holds it until its runner reports', async () => {
    const { store, t, rebase: first, ci: second } = await rebaseHoldingPr();
    // Its runner died: the lease runs out and the reap requeues it, giving the PR back.
    await store.expireLeases(t + 30_001);
    expect((await store.claim('runner-2', t + 30_002))?.id).toBe(first.id);
    await store.cancel(first.id, 'ana', t + 30_003);
    // Cancelled, but its runner is still stopping the agent and removing the worktree.
    expect(await store.claim('runner-3', t + 30_004)).toBeUndefined();
    expect(store.waitingFor(await store.get(second.id), t + 30_004)?.id).toBe(first.id);
    await store.finish(first.id, 'runner-2', { class: 'cancelled' }, t + 30_005);
    expect((await store.claim('runner-3', t + 30_006))?.id).toBe(second.id);
  });

  it('a lock left by a claimer that died before its claim landed is taken over once it is old', async () => {
    const { store, t, rebase: first, ci: second } = await rebaseHoldingPr();
    await store.cancel(first.id, 'ana', t + 1);
    // runner-1 vanished without reporting: the cancelled mission's lease runs out, its lock is stale.
    expect(await store.claim('runner-2', t + 30_000)).toBeUndefined();
    expect((await store.claim('runner-2', t + 30_001))?.id).toBe(second.id);
  });

  it('a mission held for push approval keeps its branch until its approved delivery ends, or its rejection', async () => {
    const hold = { gate: 'push' as const, summary: '1 file changed' };
    for (const decision of ['approve', 'reject'] as const) {
      const { store, t, rebase, ci } = await rebaseHoldingPr();
      const held = await store.finish(
        rebase.id,
        'runner-1',
        { class: 'success', hold, result: { summary: 'done', branch: 'roshi/x' } },
        t + 1,
      );
      expect(held.status).toBe('awaiting_approval');
      // Long after any lease: the work waiting in the kept worktree still holds the branch.
      const later = t + 3_600_000;
      expect(await store.claim('runner-2', later)).toBeUndefined();
      expect(store.waitingFor(await store.get(ci.id), later)).toEqual({ id: rebase.id, label: 'roshi/x' });
      if (decision === 'approve') {
        await store.approve(rebase.id, 'telegram:1', later);
        // The approved delivery goes first and takes its own lock back; the other still waits.
        expect((await store.claim('runner-2', later + 1))?.id).toBe(rebase.id);
        expect(await store.claim('runner-3', later + 2)).toBeUndefined();
        await store.finish(rebase.id, 'runner-2', { class: 'success', result: { branch: 'roshi/x' } }, later + 3);
      } else {
        await store.reject(rebase.id, 'telegram:1', 'not this way', later);
      }
      expect((await store.claim('runner-3', later + 4))?.id).toBe(ci.id);
    }
  });
});
