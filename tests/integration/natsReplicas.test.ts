// nats.replicas against a real 3-node cluster: the start check, every bucket and the outbox at
// R3 (through the actors' own users), an R1 bucket raised, a refusal that names the key and what
// the cluster has, and a KV write kept through the kill of its leader's node.
import { describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { checkClusterHolds } from '../../src/bus/clusterCheck.js';
import { JsonKv } from '../../src/bus/kv.js';
import { ReplicasError } from '../../src/bus/replication.js';
import { ensureMissionEventLog, ensureOutbox, ensureStream } from '../../src/bus/streams.js';
import { useNatsCluster } from '../harness/natsCluster.js';
import { until } from '../harness/until.js';

const fixture = useNatsCluster({ actors: ['missions', 'runner-1', 'pr-poller'] });

/** Read as the operator: the actors' users may look only at their own streams. */
async function replicasOf(bus: Bus, stream: string): Promise<{ configured: number; peers: number }> {
  const info = await (await bus.nc.jetstreamManager()).streams.info(stream);
  return { configured: info.config.num_replicas, peers: 1 + (info.cluster?.replicas?.length ?? 0) };
}

describe('nats.replicas on a 3-node cluster', () => {
  it('checks the cluster at 3; the outbox and the buckets the actors open are R3', async () => {
    const { cluster } = fixture;
    const supervisor = await cluster.connect('supervisor', { user: 'supervisor', replicas: 3 });
    // An older server (this machine's Debian 2.9.10) is accepted too: JsonKv then compares the
    // stream's last sequence on its replicated buckets (casScope.ts).
    expect(await checkClusterHolds(Promise.resolve(supervisor), 3)).toMatchObject({
      cluster: 'roshi-test',
      servers: 3,
      jetstream: true,
    });
    expect(await replicasOf(supervisor, supervisor.subjects.outboxStream)).toEqual({ configured: 3, peers: 3 });

    await JsonKv.open(supervisor, supervisor.subjects.stateBucket);
    const runner = await cluster.connect('runner-1', { user: 'runner-1', replicas: 3 });
    await JsonKv.open(runner, runner.subjects.missionsBucket);
    const operator = await cluster.connect('operator');
    for (const bucket of [supervisor.subjects.stateBucket, runner.subjects.missionsBucket]) {
      expect(await replicasOf(operator, `KV_${bucket}`)).toEqual({ configured: 3, peers: 3 });
    }
    const poller = await cluster.connect('pr-poller', { user: 'pr-poller', replicas: 3 });
    await ensureMissionEventLog(poller);
    expect(await replicasOf(operator, poller.subjects.missionEventsStream)).toEqual({ configured: 3, peers: 3 });
  });

  it('raises an existing R1 bucket to 3, and a bus at 1 never lowers it', async () => {
    const { cluster } = fixture;
    const one = await cluster.connect('r1');
    await JsonKv.open(one, 'raise-me');
    expect((await replicasOf(one, 'KV_raise-me')).configured).toBe(1);
    const three = await cluster.connect('r3', { replicas: 3 });
    await JsonKv.open(three, 'raise-me');
    expect((await replicasOf(three, 'KV_raise-me')).configured).toBe(3);
    await JsonKv.open(one, 'raise-me');
    expect((await replicasOf(one, 'KV_raise-me')).configured).toBe(3);
  });

  it('refuses 5 replicas on 3 servers, naming nats.replicas and the cluster', async () => {
    const bus = await fixture.cluster.connect('five', { replicas: 5 });
    const error = await checkClusterHolds(Promise.resolve(bus), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicasError);
    expect((error as Error).message).toBe(
      'nats.replicas is 5, but cluster roshi-test has 3 servers: set nats.replicas to at most 3, or add servers',
    );
    // Past the INFO check, the server's own placement refuses, and the error says the same.
    const limits = { maxMessages: 10, maxAgeMs: 60_000, duplicateWindowMs: 1_000 };
    const placed = await ensureStream(bus, 'FIVE', 'five.>', limits).catch((e: unknown) => e);
    expect(placed).toBeInstanceOf(ReplicasError);
    expect((placed as Error).message).toContain(
      'nats.replicas is 5, but the NATS system could not create 5 replicas of FIVE: no suitable peers for placement',
    );
  });

  it("keeps a KV write through the kill of its leader's node", async () => {
    const { cluster } = fixture;
    const bus = await cluster.connect('kv-kill', { replicas: 3 });
    const kv = await JsonKv.open(bus, 'survivor');
    await kv.put('k', { n: 1 });
    const jsm = await bus.nc.jetstreamManager();
    const leader = (await jsm.streams.info('KV_survivor')).cluster?.leader;
    const victim = cluster.nodes.findIndex((n) => n.name === leader);
    await cluster.kill(victim);

    const read = await until(() => kv.get<{ n: number }>('k').catch(() => undefined), 'the value read after the kill', {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    expect(read.value).toEqual({ n: 1 });
    await until(() => kv.put('k', { n: 2 }).catch(() => undefined), 'a write accepted by the two left', {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    await cluster.restart(victim);
    await until(
      async () => {
        const info = await jsm.streams.info('KV_survivor').catch(() => undefined);
        return info?.cluster?.replicas?.every((r) => r.current && !r.offline);
      },
      `${leader} current again in KV_survivor`,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect((await kv.get<{ n: number }>('k'))?.value).toEqual({ n: 2 });
  });
});
