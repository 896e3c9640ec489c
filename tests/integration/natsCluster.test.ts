// The 3-node cluster harness against itself: an R3 stream keeps every acknowledged message
// through a node's SIGKILL, and the node rejoins on its store and catches up; a node frozen with
// SIGSTOP holds nothing up and is current again once continued.
import { RetentionPolicy, StorageType } from 'nats';
import { describe, expect, it } from 'vitest';
import { useNatsCluster } from '../harness/natsCluster.js';
import { until } from '../harness/until.js';

const fixture = useNatsCluster();

describe('natsCluster harness', () => {
  it('an R3 stream survives a node kill with no message lost; the node rejoins', async () => {
    const cluster = fixture.cluster;
    expect(cluster.nodes).toHaveLength(3);
    const bus = await cluster.connect('harness-test');
    const jsm = await bus.nc.jetstreamManager();
    await jsm.streams.add({
      name: 'HARNESS',
      subjects: ['harness.>'],
      num_replicas: 3,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
    });
    const js = bus.nc.jetstream();
    for (let i = 0; i < 50; i++) await js.publish('harness.before', new TextEncoder().encode(String(i)));

    const info = await jsm.streams.info('HARNESS');
    const leader = info.cluster?.leader;
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    expect(victim).toBeGreaterThanOrEqual(0);
    await cluster.kill(victim);
    expect(cluster.nodes[victim]!.pid).toBeUndefined();

    // The two left elect a new stream leader; publishes go on, acknowledged.
    let published = 0;
    await until(
      async () => {
        try {
          await js.publish('harness.during', new TextEncoder().encode(String(published)), { timeout: 1000 });
          published++;
        } catch {
          // no stream leader yet
        }
        return published >= 50;
      },
      '50 publishes acknowledged with the leader node dead',
      { timeoutMs: 30_000 },
    );
    const during = await jsm.streams.info('HARNESS');
    expect(during.cluster?.leader).not.toBe(leader);
    expect(during.state.messages).toBe(100);

    await cluster.restart(victim);
    const rejoined = await until(
      async () => {
        const view = await jsm.streams.info('HARNESS').catch(() => undefined);
        const peer = view?.cluster?.replicas?.find((r) => r.name === leader);
        return peer?.current && !peer.offline ? view : undefined;
      },
      `${leader} current again in the stream's replicas`,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(rejoined.state.messages).toBe(100);
    expect(rejoined.cluster?.replicas).toHaveLength(2);
  });

  it('a SIGSTOPped follower holds nothing up; resumed, it is current again', async () => {
    const cluster = fixture.cluster;
    const bus = await cluster.connect('harness-pause');
    const jsm = await bus.nc.jetstreamManager();
    const info = await jsm.streams.info('HARNESS');
    // Not the node this client is connected to: pausing that one would hold up the client itself.
    const connectedTo = bus.nc.info?.server_name;
    const follower = cluster.nodes.findIndex(
      (n) => n.name !== info.cluster?.leader && n.name !== connectedTo && n.pid !== undefined,
    );
    const name = cluster.nodes[follower]!.name;
    cluster.pause(follower);
    const js = bus.nc.jetstream();
    let published = 0;
    await until(
      async () => {
        await js
          .publish('harness.paused', new TextEncoder().encode(String(published)), { timeout: 1000 })
          .then(() => published++)
          .catch(() => undefined);
        return published >= 20;
      },
      `20 publishes acknowledged with ${name} stopped`,
      { timeoutMs: 30_000 },
    );
    cluster.resume(follower);
    const current = await until(
      async () => {
        const view = await jsm.streams.info('HARNESS').catch(() => undefined);
        const peer = view?.cluster?.replicas?.find((r) => r.name === name);
        return peer?.current && !peer.offline && view?.state.messages === 120 ? view : undefined;
      },
      `${name} current again after SIGCONT`,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(current.state.messages).toBe(120);
  });
});
