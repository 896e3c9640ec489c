// The bus permission table: the rules of the trust model hold on the one data structure the
// embedded server is configured from, the block for an external server is valid nats-server
// config, and docs/subjects.md shows exactly this table.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNatsServer } from '../../src/bus/embedded-server.js';
import {
  externalServerBlock,
  mayPublish,
  publishAllow,
  natsUsers,
  permissionsMarkdown,
  subjectMatches,
} from '../../src/bus/permissions.js';
import { loadConfig } from '../../src/config/index.js';
import { childNames } from '../../src/supervisor/tree.js';

const actors = ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'runner-2', 'pr-poller'];
const users = natsUsers('roshi', actors);
const publishers = (subject: string) => users.filter((u) => mayPublish(users, u.user, subject)).map((u) => u.user);
const subscribers = (subject: string) =>
  users.filter((u) => u.subscribe.some((p) => subjectMatches(p, subject))).map((u) => u.user);

describe('bus permissions', () => {
  it('only the supervisor and the operator may stop the tree', () => {
    expect(publishers('roshi.ctl.supervisor').sort()).toEqual(['operator', 'supervisor']);
    expect(subscribers('roshi.ctl.supervisor').sort()).toEqual(['operator', 'supervisor']);
  });

  it('only the watchdog publishes verdicts; only the operator writes to the console bridge', () => {
    expect(publishers('roshi.watchdog.verdict').sort()).toEqual(['operator', 'watchdog']);
    expect(publishers('roshi.bridge.in').sort()).toEqual(['operator']);
  });

  it('each actor publishes only its own heartbeat and is the only one serving its own control subject', () => {
    for (const actor of actors) {
      expect(publishers(`roshi.hb.${actor}`).sort()).toEqual([actor, 'operator'].sort());
      expect(subscribers(`roshi.ctl.${actor}`).sort()).toEqual([actor, 'operator'].sort());
    }
  });

  it('control of an actor: the supervisor and operator, and the bridge for runners (/abort, /live)', () => {
    expect(publishers('roshi.ctl.chat').sort()).toEqual(['operator', 'supervisor']);
    expect(publishers('roshi.ctl.runner-2').sort()).toEqual(['bridge', 'operator', 'supervisor']);
  });

  it('mission requests only under one’s own identity', () => {
    expect(publishers('roshi.missions.add').sort()).toEqual(['operator']);
    expect(publishers('roshi.missions.add.bridge').sort()).toEqual(['bridge', 'operator']);
    expect(publishers('roshi.missions.cancel.bridge').sort()).toEqual(['bridge', 'operator']);
    expect(publishers('roshi.missions.add.pr-poller').sort()).toEqual(['operator', 'pr-poller']);
    expect(publishers('roshi.missions.cancel.pr-poller').sort()).toEqual(['operator']);
  });

  it('reads another user’s replies never: each has its own inbox prefix', () => {
    for (const u of users.filter((u) => u.user !== 'operator')) {
      expect(u.subscribe.filter((s) => s.startsWith('_INBOX'))).toEqual([`_INBOX.${u.user}.>`]);
    }
    expect(users.flatMap((u) => u.subscribe).filter((s) => s === '>' || s === '_INBOX.>')).toEqual(['>']);
  });

  it('JetStream only on the streams each actor uses (the watchdog none, the outbox not for runners)', () => {
    const watchdog = users.find((u) => u.user === 'watchdog')!;
    expect(publishAllow(watchdog).filter((s) => s.startsWith('$JS') || s.startsWith('$KV'))).toEqual([]);
    expect(mayPublish(users, 'runner-1', '$JS.API.STREAM.DELETE.ROSHI_OUTBOX')).toBe(false);
    expect(mayPublish(users, 'runner-1', '$JS.API.STREAM.DELETE.KV_roshi_missions')).toBe(true); // the residual risk docs/security.md names
    expect(mayPublish(users, 'runner-1', '$KV.roshi_state.runner.pause')).toBe(true);
    expect(mayPublish(users, 'bridge', '$KV.roshi_missions.m1')).toBe(false);
  });

  it('the block for an external server is valid nats-server config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roshi-perm-'));
    try {
      const file = join(dir, 'server.conf');
      writeFileSync(file, `listen: "127.0.0.1:4222"\n${externalServerBlock(users)}`);
      const env = Object.fromEntries(
        users.map((u) => [`ROSHI_NATS_PASSWORD_${u.user.toUpperCase().replace(/-/g, '_')}`, `pw-${u.user}`]),
      );
      const check = spawnSync(findNatsServer(''), ['-c', file, '-t'], { env, encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(check.stderr + check.stdout).toMatch(/is valid/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docs/subjects.md shows the table of the default tree', () => {
    const config = loadConfig({ env: {} }).config;
    const table = permissionsMarkdown(natsUsers(config.prefix, childNames(config, false)));
    expect(readFileSync(join(import.meta.dirname, '../../docs/subjects.md'), 'utf8')).toContain(table);
  });
});
