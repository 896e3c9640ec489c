// JetStream write durability (docs/operations.md#jetstream-durability): the server version read
// from `nats-server --version` or a connection's INFO, the decision it leads to, the config text
// of the embedded server, and the status line.
import { describe, expect, it } from 'vitest';
import { embeddedServerSpec, natsServerConfig } from '../../src/bus/embedded-server.js';
import { embeddedSync, externalSync, parseNatsServerVersion, supportsSyncAlways } from '../../src/bus/jetstreamSync.js';
import { formatStatus, type TreeStatus } from '../../src/supervisor/status.js';

describe('nats-server version', () => {
  it('reads --version output and INFO versions', () => {
    expect(parseNatsServerVersion('nats-server: v2.9.10\n')).toEqual({ major: 2, minor: 9, patch: 10, text: '2.9.10' });
    expect(parseNatsServerVersion('2.10.7')?.text).toBe('2.10.7');
    expect(parseNatsServerVersion('nats-server: v2.11.0-RC.1')?.text).toBe('2.11.0');
    expect(parseNatsServerVersion('command not found')).toBeUndefined();
    expect(parseNatsServerVersion(undefined)).toBeUndefined();
  });

  it('takes sync_interval always from 2.10 on', () => {
    const v = (text: string) => parseNatsServerVersion(text);
    expect(supportsSyncAlways(v('2.9.10'))).toBe(false);
    expect(supportsSyncAlways(v('2.9.99'))).toBe(false);
    expect(supportsSyncAlways(v('1.4.1'))).toBe(false);
    expect(supportsSyncAlways(v('2.10.0'))).toBe(true);
    expect(supportsSyncAlways(v('2.12.3'))).toBe(true);
    expect(supportsSyncAlways(v('3.0.0'))).toBe(true);
    expect(supportsSyncAlways(undefined)).toBe(false);
  });
});

describe('the decision', () => {
  it('embedded: synced where the version takes it, otherwise says so and what to do', () => {
    expect(embeddedSync(parseNatsServerVersion('v2.10.22'))).toMatchObject({
      mode: 'always',
      serverVersion: '2.10.22',
    });
    const old = embeddedSync(parseNatsServerVersion('nats-server: v2.9.10'));
    expect(old.mode).toBe('interval');
    expect(old.serverVersion).toBe('2.9.10');
    expect(old.detail).toMatch(/nats-server 2\.9\.10 cannot sync every JetStream write \(needs 2\.10\.0\+\)/);
    expect(old.detail).toMatch(/power loss/);
    expect(old.detail).toMatch(/nats\.embedded\.binary/);
    expect(old.detail).toMatch(/nats\.url/);
    expect(embeddedSync(undefined)).toMatchObject({ mode: 'interval', serverVersion: null });
  });

  it('external: an old server cannot sync; a new one cannot be confirmed over the client protocol', () => {
    expect(externalSync('2.9.10')).toMatchObject({ mode: 'interval', serverVersion: '2.9.10' });
    const recent = externalSync('2.10.4');
    expect(recent).toMatchObject({ mode: 'unconfirmed', serverVersion: '2.10.4' });
    expect(recent.detail).toMatch(/cannot be seen over the client protocol/);
    expect(recent.detail).toMatch(/sync_interval: always/);
    expect(externalSync(undefined)).toMatchObject({ mode: 'unconfirmed', serverVersion: null });
  });
});

describe('the embedded server config', () => {
  const base = { listen: '127.0.0.1:4222', serverName: 'roshi_4222', storeDir: '/tmp/js', users: [] };

  it('asks for sync_interval always only when told to', () => {
    expect(JSON.parse(natsServerConfig(base)).jetstream).toEqual({ store_dir: '/tmp/js' });
    expect(JSON.parse(natsServerConfig({ ...base, syncAlways: true })).jetstream).toEqual({
      store_dir: '/tmp/js',
      sync_interval: 'always',
    });
  });

  it('the spec says which it wrote', () => {
    const common = {
      binary: '/usr/sbin/nats-server',
      host: '127.0.0.1',
      port: 4222,
      storeDir: '/tmp/js',
      configFile: '/tmp/c',
      users: [],
    };
    const synced = embeddedServerSpec({ ...common, syncAlways: true });
    expect(synced.syncAlways).toBe(true);
    expect(synced.configText).toContain('"sync_interval": "always"');
    const plain = embeddedServerSpec(common);
    expect(plain.syncAlways).toBe(false);
    expect(plain.configText).not.toContain('sync_interval');
  });
});

describe('roshi status', () => {
  const status = (jetstreamSync?: TreeStatus['nats']['jetstreamSync']): TreeStatus => ({
    supervisor: { pid: 1, state: 'running', uptimeMs: 1_000, buildId: 'b1', stateDir: '/s' },
    nats: {
      url: 'nats://127.0.0.1:4222',
      embedded: true,
      connected: true,
      ...(jetstreamSync ? { jetstreamSync } : {}),
    },
    children: [],
  });

  it('prints whether writes are synced, and why not', () => {
    const old = formatStatus(status(embeddedSync(parseNatsServerVersion('2.9.10'))));
    expect(old).toMatch(/^jetstream {2}WRITES NOT SYNCED: nats-server 2\.9\.10 cannot sync/m);
    expect(formatStatus(status(embeddedSync(parseNatsServerVersion('2.10.1'))))).toMatch(
      /^jetstream {2}nats-server 2\.10\.1, every write synced before its ack$/m,
    );
    expect(formatStatus(status(externalSync('2.11.0')))).toMatch(/^jetstream {2}WRITE SYNC UNCONFIRMED: /m);
    // A supervisor from before this field: no line.
    expect(formatStatus(status())).not.toMatch(/jetstream/);
  });
});
