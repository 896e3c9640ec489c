// A whole tree with host.id set (docs/scale-out.md#singleton-leases): its singletons take their
// leases and work (heartbeat lease: active, the missions API answers), the other actors carry no
// lease field, nothing is refused by the permissions table, and a cooperative restart releases
// the lease before the new process takes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';
import { watchHeartbeats } from '../harness/hostActors.js';

let tree: TestTree;
let heartbeats: { latest: Map<string, HeartbeatRecord>; stop: () => void };

beforeAll(async () => {
  tree = await TestTree.start({ config: { host: { id: 'h1' } } });
  heartbeats = watchHeartbeats(tree.bus);
});

afterAll(async () => {
  heartbeats?.stop();
  await tree?.stop();
});

describe('a tree with host.id set', () => {
  it('runs its singletons active, the others without a lease, with no permission refused', async () => {
    await tree.waitForRunning(['h1-watchdog', 'h1-missions', 'h1-bridge', 'h1-chat']);
    for (const name of ['h1-missions', 'h1-bridge']) {
      await until(() => heartbeats.latest.get(name)?.lease === 'active', `${name} active`, { timeoutMs: 20_000 });
    }
    await until(() => heartbeats.latest.get('h1-chat'), 'a chat heartbeat', { timeoutMs: 10_000 });
    expect(heartbeats.latest.get('h1-chat')).not.toHaveProperty('lease');
    expect(heartbeats.latest.get('h1-watchdog')).not.toHaveProperty('lease');
    const list = await tree.cli(['mission', 'list']);
    expect(list.exitCode, list.stderr).toBe(0);
    expect(tree.permissionViolations()).toEqual([]);
  });

  it('a cooperative restart releases the lease (deadline 0) before the new process takes it', async () => {
    const before = heartbeats.latest.get('h1-bridge')!;
    // Every write of the lease from now on (the bucket keeps one revision: watch, not history).
    const kv = await tree.bus.nc.jetstream().views.kv('roshi_lease_bridge-console');
    const history: Array<{ holder: string; deadline: number }> = [];
    const watch = await kv.watch({ key: 'holder' });
    void (async () => {
      for await (const entry of watch) if (entry.value.length > 0) history.push(entry.json());
    })();
    await tree.bus.request(tree.bus.subjects.control('h1-bridge'), { verb: 'restart' });
    const after = await until(
      () => {
        const beat = heartbeats.latest.get('h1-bridge');
        return beat && beat.pid !== before.pid && beat.lease === 'active' ? beat : undefined;
      },
      'a new h1-bridge active',
      { timeoutMs: 30_000 },
    );
    await until(() => history.some((r) => r.holder === `h1-bridge/${after.pid}`), 'the new holder written');
    watch.stop();
    const released = history.findIndex((r) => r.holder === `h1-bridge/${before.pid}` && r.deadline === 0);
    const taken = history.findIndex((r) => r.holder === `h1-bridge/${after.pid}`);
    expect(released).toBeGreaterThanOrEqual(0);
    expect(taken).toBeGreaterThan(released);
  });
});
