// Bounds on mission text through every intake path, against a real nats-server: the missions
// service (what chat, the CLI and GitHub go through) and lines a person adds to missions.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/index.js';
import { OPERATOR_USER } from '../../src/bus/permissions.js';
import { silentLogger } from '../../src/log.js';
import { MissionsFile } from '../../src/missions/file.js';
import type { Mission } from '../../src/contracts/index.js';
import { missionHandlers } from '../../src/missions/service.js';
import { MissionStore } from '../../src/missions/store.js';
import { useNats } from '../harness/nats.js';
import { testMissionSettings } from '../harness/missionSettings.js';

const SETTINGS = testMissionSettings({ keepDone: 5, keepFailed: 5, maxTextLength: 200 });

const nats = useNats();
let bus: Bus;
let store: MissionStore;
let dir: string;
beforeAll(async () => {
  bus = await nats.connect('bounds', 'b');
  store = await MissionStore.open(bus, SETTINGS, { logger: silentLogger() });
  dir = mkdtempSync(join(tmpdir(), 'roshi-bounds-'));
});
afterAll(async () => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mission text at intake', () => {
  it('through the service: refused past missions.maxTextLength with the limit named, stripped of hidden characters', async () => {
    const add = missionHandlers(store).add;
    await expect(Promise.resolve(add({ text: 'y'.repeat(201), source: 'cli' }, OPERATOR_USER))).rejects.toThrow(
      'mission text is 201 characters long; the limit is 200 (missions.maxTextLength)',
    );
    const mission = (await add(
      { text: 'rename \u202Eeliforp\u202C the \u001b[2Jfile\u0000', source: 'cli' },
      OPERATOR_USER,
    )) as Mission;
    expect(mission.text).toBe('rename eliforp the [2Jfile');
    expect((await store.get(mission.id)).text).toBe('rename eliforp the [2Jfile');
    expect(store.list().some((m) => m.text.length > 200)).toBe(false);
  });

  it('from missions.md: a line too long is not imported, hidden characters are stripped from one that is', async () => {
    const file = join(dir, 'missions.md');
    const keeper = new MissionsFile(store, {
      file,
      lastRenderedFile: join(dir, 'last.md'),
      keepDone: 5,
      keepFailed: 5,
      logger: silentLogger(),
      debounceMs: 20,
      pollMs: 100,
    });
    await keeper.start();
    const before = store.size;
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '## Pending\n',
        `## Pending\n- ${'z'.repeat(300)}\n- tidy \u2066the\u2069 readme\u0007\n`,
      ),
    );
    await keeper.flush();
    await keeper.stop();
    expect(store.size).toBe(before + 1);
    const imported = store.list().find((m) => m.source === 'file');
    expect(imported?.text).toBe('tidy the readme');
    expect(store.list().some((m) => m.text.startsWith('zzz'))).toBe(false);
  });
});
