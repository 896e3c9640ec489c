// Bad records in the missions bucket, written straight into KV with a real nats-server: each is
// quarantined (one warning with the key and what is wrong, out of the index) and missions.md,
// the chat's situation and the list reply keep working for the good missions around it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/index.js';
import { OPERATOR_USER } from '../../src/bus/permissions.js';
import { readSituation } from '../../src/chat/situation.js';
import { formatTable } from '../../src/cli/mission.js';
import { InvalidRecordError } from '../../src/missions/errors.js';
import { MissionsFile } from '../../src/missions/file.js';
import { parseMissionsFile } from '../../src/missions/pendingImport.js';
import { missionHandlers, type ListReply } from '../../src/missions/service.js';
import { MissionStore } from '../../src/missions/store.js';
import { silentLogger } from '../../src/log.js';
import { useNats } from '../harness/nats.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { until } from '../harness/until.js';

const SETTINGS = testMissionSettings();

const nats = useNats();
let bus: Bus;
let dir: string;
beforeAll(async () => {
  bus = await nats.connect('quarantine', 'q');
  dir = mkdtempSync(join(tmpdir(), 'roshi-quarantine-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

async function rawPut(key: string, value: string): Promise<void> {
  const kv = await bus.nc.jetstream().views.kv(bus.subjects.missionsBucket);
  await kv.put(key, new TextEncoder().encode(value));
}

describe('a bad record in the missions bucket', () => {
  it('is quarantined and reported once; missions.md, the situation and the list keep working', async () => {
    const { logger, lines } = capturingLogger();
    const writer = await MissionStore.open(bus, SETTINGS, { logger: silentLogger() });
    const good = await writer.add({ text: 'fix the login test', source: 'cli' });
    // Already there when the reader starts: a record without its text (every reader used to call text.replace).
    await rawPut('mfx00000bad', JSON.stringify({ id: 'mfx00000bad', status: 'pending', order: 1 }));
    const store = await MissionStore.open(bus, SETTINGS, { logger });

    expect(store.list().map((m) => m.id)).toEqual([good.id]);
    expect(store.quarantined()).toEqual([
      { id: 'mfx00000bad', revision: expect.any(Number), reason: 'field "text" is missing, expected a string' },
    ]);

    // Arriving while it runs: not JSON at all, and a mission whose status is made up.
    await rawPut('mfx00000bin', '\u0000\u0001 not json');
    await rawPut('mfx00000sts', JSON.stringify({ ...good, id: 'mfx00000sts', status: 'exploded' }));
    await until(() => store.quarantined().length === 3, 'three quarantined');
    expect(store.quarantined().map((r) => [r.id, r.reason])).toEqual([
      ['mfx00000bad', 'field "text" is missing, expected a string'],
      ['mfx00000bin', expect.stringMatching(/not JSON/)],
      [
        'mfx00000sts',
        'field "status" is "exploded", expected one of pending, running, awaiting_approval, done, failed, cancelled',
      ],
    ]);
    expect(store.counts()).toEqual({ pending: 1, running: 0, awaiting_approval: 0, done: 0, failed: 0, cancelled: 0 });

    // One warning per bad key, naming it and what is wrong; the same value seen again is not re-reported.
    await rawPut('mfx00000sts', JSON.stringify({ ...good, id: 'mfx00000sts', status: 'exploded' }));
    await store.get('mfx00000sts').catch(() => undefined);
    const warnings = lines.filter((l) => /quarantined a mission record/.test(String(l.msg)));
    expect(warnings.map((w) => w.key).sort()).toEqual(['mfx00000bad', 'mfx00000bin', 'mfx00000sts']);
    expect(warnings.find((w) => w.key === 'mfx00000bad')?.reason).toBe('field "text" is missing, expected a string');

    // missions.md renders the good mission.
    const file = new MissionsFile(store, {
      file: join(dir, 'missions.md'),
      lastRenderedFile: join(dir, 'last.md'),
      keepDone: 5,
      keepFailed: 5,
      logger: silentLogger(),
    });
    await file.start();
    await file.stop();
    expect(parseMissionsFile(readFileSync(join(dir, 'missions.md'), 'utf8')).Pending.join('\n')).toMatch(
      /fix the login test/,
    );

    // The chat's situation builds.
    const situation = readSituation(store, undefined, Date.now());
    expect(situation.next.map((m) => m.id)).toEqual([good.id]);

    // The list reply (what `mission list` prints) has the good mission and names the bad ones.
    const reply = (await missionHandlers(store).list({}, OPERATOR_USER)) as ListReply;
    expect(reply.missions.map((m) => m.id)).toEqual([good.id]);
    expect(reply.invalid.map((r) => r.id)).toEqual(['mfx00000bad', 'mfx00000bin', 'mfx00000sts']);
    const table = formatTable(reply);
    expect(table).toMatch(/fix the login test/);
    expect(table).toMatch(/3 invalid records in the store/);
    expect(table).toMatch(/mfx00000bad\s+INVALID\s+field "text" is missing/);

    // Asking for one by id says what is wrong with it; runners never claim it.
    await expect(store.get('mfx00000bad')).rejects.toThrow(InvalidRecordError);
    await expect(store.get('mfx00000bad')).rejects.toThrow(/invalid record in the store \(field "text" is missing/);
    expect((await store.claim('runner-1'))?.id).toBe(good.id);

    // A fixed record leaves quarantine and joins the index; a deleted one just leaves.
    await rawPut('mfx00000sts', JSON.stringify({ ...good, id: 'mfx00000sts', status: 'pending' }));
    const kv = await bus.nc.jetstream().views.kv(bus.subjects.missionsBucket);
    await kv.delete('mfx00000bin');
    await until(() => store.quarantined().length === 1, 'fixed and deleted records out of quarantine');
    expect(store.list({ status: 'pending' }).map((m) => m.id)).toEqual(['mfx00000sts']);
    store.close();
    writer.close();
  });

  it('that was a good mission is taken out of the index when it turns bad', async () => {
    const store = await MissionStore.open(bus, SETTINGS, { logger: silentLogger() });
    const mission = await store.add({ text: 'soon broken', source: 'cli' });
    const seen: Array<[string, boolean]> = [];
    store.onChange((id, m) => seen.push([id, m !== undefined]));
    await rawPut(mission.id, JSON.stringify({ ...mission, attempts: 'many' }));
    await until(() => store.quarantined().some((r) => r.id === mission.id), 'quarantined');
    expect(store.list().some((m) => m.id === mission.id)).toBe(false);
    expect(seen).toContainEqual([mission.id, false]);
    store.close();
  });
});
