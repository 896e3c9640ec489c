import { describe, expect, it } from 'vitest';
import { embeddedServerSpec, findNatsServer } from '../../src/bus/embedded-server.js';
import { MissingDependencyError } from '../../src/errors.js';

describe('embedded nats-server', () => {
  it('when nats-server is nowhere, the error says how to install it', () => {
    expect(() => findNatsServer('', { PATH: '/nonexistent' }, [])).toThrow(MissingDependencyError);
    expect(() => findNatsServer('', { PATH: '/nonexistent' }, [])).toThrow(
      /apt-get install nats-server.*or set nats\.url/,
    );
  });

  it('finds it in the fallback directories when PATH lacks it (Debian puts it in /usr/sbin)', () => {
    expect(findNatsServer('', { PATH: '/nonexistent' })).toMatch(/\/nats-server$/);
  });

  it('binds loopback only, with JetStream in the given store, configured through a file (no secret in argv)', () => {
    const users = [
      { user: 'operator', password: 's3cret', publish: ['>'], subscribe: ['>'], streams: [], maxResponses: 1 },
    ];
    const spec = embeddedServerSpec({
      binary: '/usr/sbin/nats-server',
      host: '127.0.0.1',
      port: 4333,
      storeDir: '/tmp/s',
      configFile: '/tmp/state/nats.conf',
      users,
    });
    expect(spec.url).toBe('nats://127.0.0.1:4333');
    expect(spec.args).toEqual(['-c', '/tmp/state/nats.conf']);
    expect(JSON.parse(spec.configText)).toEqual({
      listen: '127.0.0.1:4333',
      server_name: 'roshi_4333',
      jetstream: { store_dir: '/tmp/s' },
      authorization: {
        users: [
          {
            user: 'operator',
            password: 's3cret',
            permissions: { publish: { allow: ['>'] }, subscribe: { allow: ['>'] }, allow_responses: true },
          },
        ],
      },
    });
  });
});
