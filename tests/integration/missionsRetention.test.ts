// Retention of finished missions against a real nats-server: the missions actor's pass appends
// the expired ones to <stateDir>/missions-archive.jsonl, then deletes their keys; every index
// (also one on another connection) counts them out; the archive count survives a restart.
// docs/missions.md#retention
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/index.js';
import type { Mission } from '../../src/contracts/index.js';
import { silentLogger } from '../../src/log.js';
import { OPERATOR_USER } from '../../src/bus/permissions.js';
import { formatTable } from '../../src/cli/mission.js';
import { UnknownMissionError } from '../../src/missions/errors.js';
import { missionHandlers, type ListReply } from '../../src/missions/service.js';
import { ARCHIVE_FILE, MissionRetention } from '../../src/missions/retention.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
const buses: Bus[] = [];
const stores: MissionStore[] = [];
const dirs: string[] = [];
let counter = 0;
const DAY = 86_400_000;
const SETTINGS = testMissionSettings();

afterAll(async () => {
  for (const store of stores) store.close();
  for (const bus of buses) await bus.drain();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function open(prefix: string): Promise<{ bus: Bus; store: MissionStore }> {
  const bus = await Bus.connect({ url: nats.url, name: `test-${prefix}`, prefix, logger: silentLogger() });
  buses.push(bus);
  const store = await MissionStore.open(bus, SETTINGS, { logger: silentLogger() });
  stores.push(store);
  return { bus, store };
}

async function finishedAt(store: MissionStore, text: string, at: number): Promise<Mission> {
  const m = await store.add({ text });
  const claimed = await store.claim('r1', at - 1000);
  expect(claimed?.id).toBe(m.id);
  return store.finish(m.id, 'r1', { class: 'success' }, at);
}

describe('mission retention', () => {
  it('archives finished missions past keepFinished, then deletes their keys; indexes count them out', async () => {
    const prefix = `ret${++counter}`;
    const { bus, store } = await open(prefix);
    const { store: other } = await open(prefix);
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-retention-'));
    dirs.push(stateDir);
    const now = Date.now();
    const old1 = await finishedAt(store, 'old one', now - 40 * DAY);
    const old2 = await finishedAt(store, 'old two', now - 31 * DAY);
    const recent = await finishedAt(store, 'recent', now - DAY);
    const pending = await store.add({ text: 'still to do' });
    await until(() => other.counts().done === 3, 'the other index to count three done');

    const policy = { keepFinishedMs: 30 * DAY, keepFinishedMax: 0, keepIntakeMs: 0, intervalMs: 60_000 };
    const retention = await MissionRetention.open(bus, { stateDir, ...policy }, silentLogger());
    expect(await retention.runOnce(now)).toBe(2);
    expect(retention.archived).toBe(2);

    const lines = readFileSync(join(stateDir, ARCHIVE_FILE), 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as Mission).id).sort()).toEqual([old1.id, old2.id].sort());
    expect((JSON.parse(lines[0] as string) as Mission).status).toBe('done');
    await expect(store.get(old1.id)).rejects.toThrow(UnknownMissionError);
    expect((await store.get(recent.id)).status).toBe('done');
    expect((await store.get(pending.id)).status).toBe('pending');
    await until(() => store.counts().done === 1 && other.counts().done === 1, 'both indexes to count the archived out');
    expect(other.counts()).toMatchObject({ pending: 1, done: 1 });

    // `mission list` still says how many were archived
    const reply = (await missionHandlers(store, retention).list({}, OPERATOR_USER)) as ListReply;
    expect(reply.archived).toBe(2);
    expect(reply.counts).toMatchObject({ pending: 1, done: 1 });
    expect(formatTable(reply)).toContain('1 pending, 1 done, 2 archived');

    // nothing more to do; a restart reads the count back from the file
    expect(await retention.runOnce(now)).toBe(0);
    const again = await MissionRetention.open(bus, { stateDir, ...policy }, silentLogger());
    expect(again.archived).toBe(2);
  });

  it('keepFinishedMax keeps only the newest finished missions', async () => {
    const prefix = `ret${++counter}`;
    const { bus, store } = await open(prefix);
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-retention-'));
    dirs.push(stateDir);
    const now = Date.now();
    const a = await finishedAt(store, 'a', now - 3000);
    const b = await finishedAt(store, 'b', now - 2000);
    const c = await finishedAt(store, 'c', now - 1000);
    const policy = { keepFinishedMs: 0, keepFinishedMax: 2, keepIntakeMs: 0, intervalMs: 60_000 };
    const retention = await MissionRetention.open(bus, { stateDir, ...policy }, silentLogger());
    expect(await retention.runOnce(now)).toBe(1);
    await expect(store.get(a.id)).rejects.toThrow(UnknownMissionError);
    expect((await store.get(b.id)).id).toBe(b.id);
    expect((await store.get(c.id)).id).toBe(c.id);
  });

  it('forgets message identities older than keepIntake; younger ones still stop a redelivery', async () => {
    const prefix = `ret${++counter}`;
    const { bus } = await open(prefix);
    const now = Date.now();
    const at = (t: number) => MissionStore.open(bus, SETTINGS, { logger: silentLogger(), clock: () => t });
    const [weekOld, hourOld] = [await at(now - 8 * DAY), await at(now - 3_600_000)];
    stores.push(weekOld, hourOld);
    const first = await weekOld.add({ text: 'from an old message', intake: 'telegram:1:100' });
    const second = await hourOld.add({ text: 'from a recent message', intake: 'telegram:1:200' });
    const stateDir = mkdtempSync(join(tmpdir(), 'roshi-retention-'));
    dirs.push(stateDir);
    const policy = { keepFinishedMs: 0, keepFinishedMax: 0, keepIntakeMs: 7 * DAY, intervalMs: 60_000 };
    const retention = await MissionRetention.open(bus, { stateDir, ...policy }, silentLogger());
    await retention.runOnce(now);

    // The missions stay; only the old message's identity is gone.
    expect((await hourOld.get(first.id)).id).toBe(first.id);
    expect((await hourOld.add({ text: 'from a recent message', intake: 'telegram:1:200' })).id).toBe(second.id);
    expect((await hourOld.add({ text: 'from an old message', intake: 'telegram:1:100' })).id).not.toBe(first.id);
  });
});
