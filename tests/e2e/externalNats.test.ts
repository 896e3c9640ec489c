// With nats.url set, the supervisor starts no server of its own and every actor connects there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type TestNats } from '../harness/nats.js';
import { TestTree } from '../harness/tree.js';

describe('an external NATS server', () => {
  let nats: TestNats;
  let tree: TestTree;
  beforeAll(async () => {
    nats = await startNats();
    tree = await TestTree.start({ natsUrl: nats.url, config: { actors: { runner: { enabled: false } } } });
  });
  afterAll(async () => {
    await tree?.stop();
    await nats?.stop();
  });

  it('runs the tree without an embedded server and reports the URL in use', async () => {
    const status = await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'pr-poller']);
    expect(status.nats).toMatchObject({ url: nats.url, embedded: false, connected: true });
    expect(status.children.map((c) => c.name)).toEqual(['watchdog', 'missions', 'bridge', 'chat', 'pr-poller']);
  });

  it('publishes inspection events of the actors and of the supervisor machine', async () => {
    const seen: Array<{ actor: string; kind: string; state?: unknown }> = [];
    const unsubscribe = tree.bus.subscribe(tree.bus.subjects.inspectAll, (p) => void seen.push(p as never));
    await tree.bus.request(tree.bus.subjects.supRestart, { actor: 'chat' });
    await tree.waitForStatus(() => seen.some((r) => r.actor === 'chat' && r.kind === 'snapshot' && r.state === 'idle'), 15_000, 'chat inspection snapshot');
    expect(seen.some((r) => r.actor === 'supervisor' && r.kind === 'event')).toBe(true);
    unsubscribe();
  });
});
