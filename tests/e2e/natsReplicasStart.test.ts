// The supervisor against a real 3-node cluster that cannot hold nats.replicas: it refuses to
// start, exit code 78, with the key and what the cluster has, and leaves no lock or child behind.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { mainScript } from '../../src/paths.js';
import { useNatsCluster } from '../harness/natsCluster.js';

const fixture = useNatsCluster();
const stateDir = mkdtempSync(join(tmpdir(), 'roshi-replicas-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('supervisor start with nats.replicas on an external cluster', () => {
  it('refuses 5 replicas on 3 servers, naming nats.replicas and the cluster', async () => {
    const { cluster } = fixture;
    const configFile = join(stateDir, 'test.yaml');
    writeFileSync(
      configFile,
      stringify({ stateDir, nats: { url: cluster.url, ...cluster.credentialOf('operator'), replicas: 5 } }),
    );
    const result = await execa(process.execPath, [mainScript(), 'supervisor', '--config', configFile], {
      reject: false,
      all: true,
      timeout: 60_000,
      env: { ROSHI_LOG__PRETTY: 'never' },
    });
    expect(result.exitCode, result.all).toBe(78);
    expect(result.all).toContain(
      'nats.replicas is 5, but cluster roshi-test has 3 servers: set nats.replicas to at most 3, or add servers',
    );
    expect(existsSync(join(stateDir, 'supervisor.pid'))).toBe(false);
  });
});
