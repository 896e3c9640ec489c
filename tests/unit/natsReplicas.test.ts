// nats.replicas: the config key's refusals, and the start check's reading of a server's INFO
// (docs/scale-out.md#replicas). The cluster itself: tests/integration/natsReplicas.test.ts.
import { describe, expect, it } from 'vitest';
import {
  CLUSTERED_CAS_SINCE,
  clusterViewOf,
  hasClusteredCasRace,
  replicasRefusal,
} from '../../src/bus/clusterCheck.js';
import { expectRefused } from '../harness/configRefusal.js';
import { load, useConfigDir } from '../harness/configFiles.js';

const { writeConfig } = useConfigDir();

describe('nats.replicas config', () => {
  it('defaults to 1 and takes up to 5 with an external server', () => {
    expect(load({}).config.nats.replicas).toBe(1);
    const file = writeConfig('nats:\n  url: nats://a:4222,nats://b:4222\n  replicas: 3\n');
    expect(load({ file }).config.nats.replicas).toBe(3);
  });

  it('refuses 0 and 6, naming the key and the range', () => {
    for (const value of [0, 6]) {
      const file = writeConfig(`nats:\n  url: nats://a:4222\n  replicas: ${value}\n`);
      expect(expectRefused({ file }, 'nats.replicas').message).toContain('an integer from 1 to 5');
    }
  });

  it('refuses more than 1 with the embedded server, which is a single node', () => {
    const file = writeConfig('nats:\n  replicas: 3\n');
    const error = expectRefused({ file }, 'nats.replicas');
    expect(error.message).toContain('expected 1 while nats.url is "" (the embedded server is a single node)');
  });
});

describe('the start check', () => {
  const cluster = {
    server_name: 'n1',
    jetstream: true,
    cluster: 'east',
    connect_urls: ['10.0.0.1:4222', '10.0.0.2:4222', '10.0.0.3:4222'],
    version: '2.10.7',
  };

  it('reads cluster name and size from INFO', () => {
    expect(clusterViewOf(cluster)).toEqual({
      server: 'n1',
      jetstream: true,
      cluster: 'east',
      servers: 3,
      version: '2.10.7',
    });
    expect(clusterViewOf({ server_id: 'NABC', jetstream: true })).toEqual({
      server: 'NABC',
      jetstream: true,
      cluster: undefined,
      servers: undefined,
      version: undefined,
    });
  });

  it('lets 1 to 3 replicas through on a 3-server cluster, and names what the cluster has otherwise', () => {
    const view = clusterViewOf(cluster);
    for (const replicas of [1, 2, 3]) expect(replicasRefusal(replicas, view)).toBeUndefined();
    expect(replicasRefusal(5, view)).toBe(
      'nats.replicas is 5, but cluster east has 3 servers: set nats.replicas to at most 3, or add servers',
    );
  });

  it('refuses replicas on a server that is not in a cluster, and any server without JetStream', () => {
    const single = clusterViewOf({ server_name: 'solo', jetstream: true });
    expect(replicasRefusal(1, single)).toBeUndefined();
    expect(replicasRefusal(3, single)).toContain('nats.replicas is 3, but solo is not part of a cluster');
    expect(replicasRefusal(1, clusterViewOf({ server_name: 'solo' }))).toContain('solo has JetStream off');
  });

  it('accepts a cluster older than 2.9.21: its replicated buckets compare the stream sequence instead', () => {
    const old = clusterViewOf({ ...cluster, version: '2.9.10' });
    expect(old.version).toBe('2.9.10');
    for (const replicas of [1, 2, 3]) expect(replicasRefusal(replicas, old)).toBeUndefined();
    expect(replicasRefusal(5, old)).toBe(
      'nats.replicas is 5, but cluster east has 3 servers: set nats.replicas to at most 3, or add servers',
    );
  });

  it('knows which server versions have the clustered compare-and-set race (before 2.9.21)', () => {
    expect(CLUSTERED_CAS_SINCE).toBe('2.9.21');
    for (const version of ['2.9.10', '2.9.20', '2.8.4', 'v2.9.10']) expect(hasClusteredCasRace(version)).toBe(true);
    for (const version of ['2.9.21', '2.10.7', '3.0.0']) expect(hasClusteredCasRace(version)).toBe(false);
    expect(hasClusteredCasRace(undefined)).toBe(true);
  });

  it('leaves the decision to the placement when the cluster does not advertise its servers', () => {
    expect(replicasRefusal(5, clusterViewOf({ ...cluster, connect_urls: [] }))).toBeUndefined();
  });
});
