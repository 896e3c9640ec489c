// The web actor's place in the tree and on the bus: on by default, loopback unless TLS is set,
// and only the requests the CLI makes for what the page shows and does.
import { describe, expect, it } from 'vitest';
import { mayPublish, natsUsers } from '../../src/bus/permissions.js';
import { subjectsFor } from '../../src/bus/subjects.js';
import { loadConfig } from '../../src/config/index.js';
import { childNames } from '../../src/supervisor/tree.js';
import { actionRequest } from '../../src/web/actions.js';
import { actorGraph } from '../../src/web/machineGraph.js';
import { expectRefused } from '../harness/configRefusal.js';

const s = subjectsFor('roshi');

describe('the web actor', () => {
  it('is a child of the default tree, on 127.0.0.1 with a picked port', () => {
    const { config } = loadConfig({ env: {} });
    expect(childNames(config, false)).toContain('web');
    expect(config.web).toEqual({ host: '127.0.0.1', port: 0, tls: { cert: '', key: '' } });
    expect(
      childNames(loadConfig({ env: {}, overrides: { actors: { web: { enabled: false } } } }).config, false),
    ).not.toContain('web');
  });

  it('refuses another address without TLS, naming the key', () => {
    const error = expectRefused({ env: {}, overrides: { web: { host: '0.0.0.0' } } }, 'web.tls.cert');
    expect(error.message).toMatch(/not loopback/);
    expectRefused({ env: {}, overrides: { web: { host: '0.0.0.0', tls: { cert: '/c.pem' } } } }, 'web.tls.key');
    expect(
      loadConfig({ env: {}, overrides: { web: { host: '0.0.0.0', tls: { cert: '/c.pem', key: '/k.pem' } } } }).config
        .web.host,
    ).toBe('0.0.0.0');
    expectRefused({ env: {}, overrides: { web: { port: 70000 } } }, 'web.port');
  });

  it('may ask what the CLI asks, under its own identity, and no more', () => {
    const users = natsUsers('roshi', ['watchdog', 'missions', 'runner-1', 'web']);
    for (const subject of [
      s.supStatus,
      s.supRestart,
      s.missionsAs('add', 'web'),
      s.missionsAs('list', 'web'),
      s.missionsAs('pause', 'web'),
      s.control('runner-1'),
      s.inspectorPresence,
    ])
      expect(mayPublish(users, 'web', subject), subject).toBe(true);
    for (const subject of [
      s.missions('add'), // the operator's bare verb
      s.missionsAs('add', 'bridge'), // another identity
      s.bridgeOut,
      s.control('supervisor'),
      s.control('missions'),
      s.supEvents,
      s.watchdogVerdict,
      `$JS.API.STREAM.PURGE.${s.outboxStream}`,
      `$KV.${s.missionsBucket}.x`,
    ])
      expect(mayPublish(users, 'web', subject), subject).toBe(false);
    const web = users.find((u) => u.user === 'web')!;
    expect(web.streams).toEqual([]);
    expect(web.subscribe).toEqual(expect.arrayContaining([s.heartbeatAll, s.supEvents, s.missionEvents, s.inspectAll]));
  });

  it('turns each page action into the CLI’s request, refusing anything else', () => {
    const bus = { subjects: s };
    expect(actionRequest(bus, 'web', { verb: 'add', text: ' fix it ', project: 'app' })).toEqual({
      subject: s.missionsAs('add', 'web'),
      payload: { text: 'fix it', by: 'web', project: 'app' },
    });
    expect(actionRequest(bus, 'web', { verb: 'priority', id: 'k2', to: 'top' }).payload).toEqual({
      id: 'k2',
      to: 'top',
    });
    expect(actionRequest(bus, 'web', { verb: 'restart', actor: 'runner-1' })).toEqual({
      subject: s.supRestart,
      payload: { actor: 'runner-1', by: 'web' },
    });
    expect(actionRequest(bus, 'web', { verb: 'pause', for: '30m' }).payload).toEqual({ by: 'web', for: '30m' });
    expect(() => actionRequest(bus, 'web', { verb: 'add', text: '' })).toThrow(/text/);
    expect(() => actionRequest(bus, 'web', { verb: 'priority', id: 'k2', to: 0 })).toThrow(/top, bottom/);
    expect(() => actionRequest(bus, 'web', { verb: 'stop' })).toThrow(/verb/);
  });

  it('draws each machine from its definition', () => {
    const runner = actorGraph('runner-3')!;
    expect(runner.machine).toBe('runner');
    expect(runner.states.map((st) => st.id)).toEqual(expect.arrayContaining(['idle', 'paused', 'busy']));
    expect(runner.states.find((st) => st.id === 'idle')?.initial).toBe(true);
    expect(runner.transitions.length).toBeGreaterThan(5);
    const supervision = actorGraph('supervision')!;
    expect(supervision.states.map((st) => st.id)).toEqual(
      expect.arrayContaining(['running', 'tier1', 'stopping.asking']),
    );
    expect(supervision.transitions).toContainEqual(expect.objectContaining({ source: 'running', event: 'VERDICT' }));
    expect(supervision.transitions.some((t) => t.event.startsWith('after '))).toBe(true);
    expect(actorGraph('nats')).toBeUndefined();
  });
});
