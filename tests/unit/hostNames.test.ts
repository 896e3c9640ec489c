// Several hosts on one NATS system (docs/scale-out.md#hosts-and-names): with host.id set the
// tree's children and the supervisor are `<host>-<name>`, each name gets its kind's rights, and
// one table holds every host's users.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { externalServerBlock, mayPublish, natsUsers, passwordVariable } from '../../src/bus/permissions.js';
import { systemActors } from '../../src/cli/config.js';
import { subjectsFor } from '../../src/bus/subjects.js';
import { loadConfig } from '../../src/config/index.js';
import { sourceOf } from '../../src/missions/service.js';
import { childKindOf } from '../../src/secrets/actorEnv.js';
import { childNames, supervisorName, watchdogName } from '../../src/supervisor/tree.js';
import { WORKER_HOST } from '../harness/hostTrees.js';

const s = subjectsFor('roshi');

const worker = loadConfig({
  env: {},
  overrides: {
    host: { id: 'h2' },
    actors: { ...WORKER_HOST, runner: { instances: 2 } },
  },
}).config;

describe('names on a host', () => {
  it('are today’s names with host.id empty', () => {
    const { config } = loadConfig({ env: {} });
    expect(childNames(config, true)).toEqual([
      'nats',
      'watchdog',
      'missions',
      'bridge',
      'chat',
      'runner-1',
      'pr-poller',
      'web',
    ]);
    expect(supervisorName(config)).toBe('supervisor');
    expect(watchdogName(config)).toBe('watchdog');
  });

  it('are qualified by the host id, all but the embedded nats child', () => {
    expect(childNames(worker, true)).toEqual(['nats', 'h2-watchdog', 'h2-runner-1', 'h2-runner-2']);
    expect(supervisorName(worker)).toBe('h2-supervisor');
    expect(watchdogName(worker)).toBe('h2-watchdog');
  });

  it('give a child its kind’s environment', () => {
    expect(childKindOf('h2-runner-3')).toBe('runner');
    expect(childKindOf('h1-bridge')).toBe('bridge');
    expect(childKindOf('h1-pr-poller')).toBe('pr-poller');
    expect(childKindOf('nats')).toBe('nats');
    expect(childKindOf('h1-nats')).toBe('other');
  });

  it('give a qualified identity its kind’s mission source', () => {
    expect(sourceOf('h1-bridge', undefined)).toBe('chat');
    expect(sourceOf('h1-pr-poller', undefined)).toBe('github');
    expect(sourceOf('h1-web', undefined)).toBe('web');
    expect(sourceOf('h2-runner-1', undefined)).toBeUndefined();
  });
});

describe('the users of a system of hosts', () => {
  const actors = ['h1-watchdog', 'h1-missions', 'h1-bridge', 'h1-runner-1', 'h1-web', 'h2-watchdog', 'h2-runner-1'];
  const users = natsUsers('roshi', actors);

  it('has one supervisor per host, then each actor, then the operator', () => {
    expect(users.map((u) => u.user)).toEqual(['h1-supervisor', 'h2-supervisor', ...actors, 'operator']);
    expect(passwordVariable('h2-runner-1')).toBe('ROSHI_NATS_PASSWORD_H2_RUNNER_1');
  });

  it('gives each qualified name the rights of its kind and nothing of another actor', () => {
    expect(mayPublish(users, 'h2-runner-1', s.heartbeat('h2-runner-1'))).toBe(true);
    expect(mayPublish(users, 'h2-runner-1', s.heartbeat('h1-runner-1'))).toBe(false);
    expect(mayPublish(users, 'h2-runner-1', s.missionEvents)).toBe(true);
    expect(mayPublish(users, 'h2-watchdog', s.watchdogVerdict)).toBe(true);
    expect(mayPublish(users, 'h2-watchdog', s.supHeartbeats)).toBe(true);
    expect(mayPublish(users, 'h1-missions', s.missionEvents)).toBe(true);
    // The bridge and the page reach every host's runners (/abort, breakers), and the page the bridge.
    for (const runner of ['h1-runner-1', 'h2-runner-1']) {
      expect(mayPublish(users, 'h1-bridge', s.control(runner))).toBe(true);
      expect(mayPublish(users, 'h1-web', s.control(runner))).toBe(true);
    }
    expect(mayPublish(users, 'h1-web', s.control('h1-bridge'))).toBe(true);
    expect(mayPublish(users, 'h1-bridge', s.missionsAs('add', 'h1-bridge'))).toBe(true);
    expect(mayPublish(users, 'h1-bridge', s.missionsAs('add', 'bridge'))).toBe(false);
  });

  it('lets each supervisor act as itself only', () => {
    expect(mayPublish(users, 'h2-supervisor', s.inspect('h2-supervisor'))).toBe(true);
    expect(mayPublish(users, 'h2-supervisor', s.inspect('h1-supervisor'))).toBe(false);
    const h2 = users.find((u) => u.user === 'h2-supervisor')!;
    expect(h2.subscribe).toContain(s.control('h2-supervisor'));
    expect(h2.subscribe).toContain('_INBOX.h2-supervisor.>');
    expect(h2.subscribe).not.toContain(s.control('h1-supervisor'));
  });

  it('is today’s table for today’s names', () => {
    expect(natsUsers('roshi', ['watchdog', 'runner-1'])[0]!.user).toBe('supervisor');
  });
});

describe('config nats-users for several hosts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-hosts-'));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const full = file('h1.yaml', 'host:\n  id: h1\n');
  const workerFile = file(
    'h2.yaml',
    'host:\n  id: h2\nactors:\n  runner:\n    instances: 2\n  missions: { enabled: false }\n  bridge: { enabled: false }\n  chat: { enabled: false }\n  prPoller: { enabled: false }\n  webhook: { enabled: false }\n  web: { enabled: false }\n',
  );
  const base = loadConfig({ env: {} }).config;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the union of every named host’s tree, one supervisor each', () => {
    const actors = systemActors(base, [full, workerFile]);
    expect(actors).toEqual([
      ...childNames(loadConfig({ env: {}, file: full }).config, false),
      'h2-watchdog',
      'h2-runner-1',
      'h2-runner-2',
    ]);
    const users = natsUsers('roshi', actors).map((u) => u.user);
    expect(users.filter((u) => u.endsWith('supervisor'))).toEqual(['h1-supervisor', 'h2-supervisor']);
    const block = externalServerBlock(natsUsers('roshi', actors));
    expect(block).toContain('password: $ROSHI_NATS_PASSWORD_H2_RUNNER_2');
    expect(block).toContain('password: $ROSHI_NATS_PASSWORD_H1_SUPERVISOR');
  });

  it('is this config’s tree when no file is named', () => {
    expect(systemActors(base, [])).toEqual(childNames(base, false));
  });

  it('refuses two hosts with one id, a host without one among several, another prefix', () => {
    expect(() => systemActors(base, [full, full])).toThrow(/both have host.id h1/);
    const plain = file('plain.yaml', 'stateDir: /tmp/x\n');
    expect(() => systemActors(base, [full, plain])).toThrow(/plain.yaml has no host.id/);
    const other = file('other.yaml', 'prefix: other\nhost:\n  id: h3\n');
    expect(() => systemActors(base, [other])).toThrow(/prefix other is not roshi/);
  });
});
