// missions.md kept by its single writer against a real store: renders follow the bucket, lines
// a person adds under Pending become missions (also while roshi was down), and nothing roshi
// wrote itself is ever imported again.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { MissionsFile } from '../../src/missions/file.js';
import { parseMissionsFile } from '../../src/missions/pendingImport.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
let dir: string;
const buses: Bus[] = [];
const stores: MissionStore[] = [];
let counter = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-missions-file-'));
});

afterAll(async () => {
  for (const store of stores) store.close();
  for (const bus of buses) await bus.drain();
  rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const n = ++counter;
  const bus = await Bus.connect({ url: nats.url, name: `file-${n}`, prefix: `f${n}`, logger: silentLogger() });
  buses.push(bus);
  const store = await MissionStore.open(
    bus,
    testMissionSettings({ keepDone: 5, keepFailed: 5, projects: { names: ['app', 'lib'], defaultProject: 'app' } }),
  );
  stores.push(store);
  const file = join(dir, `missions-${n}.md`);
  const lastRenderedFile = join(dir, `state-${n}`, 'missions.last.md');
  const keeper = () =>
    new MissionsFile(store, {
      file,
      lastRenderedFile,
      keepDone: 5,
      keepFailed: 5,
      logger: silentLogger(),
      debounceMs: 20,
      pollMs: 100,
    });
  return { store, file, lastRenderedFile, keeper };
}

/** setup() with a keeper already started as `k`. */
async function withStartedKeeper() {
  const world = await setup();
  const k = world.keeper();
  await k.start();
  return { ...world, k };
}

const pending = (file: string) => (existsSync(file) ? parseMissionsFile(readFileSync(file, 'utf8')).Pending : []);

/** Adds a line right under `## Pending`, the way a person would with an editor. */
function addUnderPending(file: string, line: string): void {
  writeFileSync(file, readFileSync(file, 'utf8').replace('## Pending\n', `## Pending\n${line}\n`));
}

describe('missions.md', () => {
  it('is written at start and follows every change', async () => {
    const { store, file, k } = await withStartedKeeper();
    expect(readFileSync(file, 'utf8')).toBe(
      '# Missions\n\n## CI\n\n## Pending\n\n## In Progress\n\n## Done\n\n## Failed\n',
    );
    const m = await store.add({ text: '[project:lib] write the docs' });
    await until(() => pending(file).length === 1, 'the pending line');
    expect(pending(file)[0]).toMatch(/^- \[project:lib\] write the docs ⏳@ \d{1,2}(:\d\d)?(am|pm)$/);
    await store.claim('runner-1');
    await until(() => parseMissionsFile(readFileSync(file, 'utf8'))['In Progress'].length === 1, 'in progress');
    await store.finish(m.id, 'runner-1', { class: 'success' });
    await until(
      () => parseMissionsFile(readFileSync(file, 'utf8')).Done[0]?.startsWith('- [project:lib] write the docs ✅ took'),
      'done',
    );
    await k.stop();
  });

  it('imports a line a person adds under Pending, then renders it with its stamp', async () => {
    const { store, file, k } = await withStartedKeeper();
    await store.add({ text: 'already here' });
    await until(() => pending(file).length === 1, 'the first line');
    addUnderPending(file, '- [project:lib] /review https://github.com/o/r/pull/5');
    const imported = await until(() => store.list().find((m) => m.source === 'file'), 'the imported mission');
    expect(imported).toMatchObject({
      project: 'lib',
      kind: 'review',
      url: 'https://github.com/o/r/pull/5',
      by: `missions-${counter}.md`,
    });
    await until(
      () => pending(file).some((l) => l.includes('/review https://github.com/o/r/pull/5 ⏳')),
      'the imported line rendered',
    );
    expect(store.list()).toHaveLength(2);
    await k.stop();
  });

  it('imports a plain line without a bullet', async () => {
    const { store, file, k } = await withStartedKeeper();
    addUnderPending(file, 'plain line without a bullet');
    await until(() => store.list().some((m) => m.text === 'plain line without a bullet'), 'the import');
    await k.stop();
  });

  it('a line it cannot import is dropped at the next render, not retried forever', async () => {
    const { store, file, k } = await withStartedKeeper();
    addUnderPending(file, '- [project:nope] something');
    await until(() => !readFileSync(file, 'utf8').includes('[project:nope]'), 'the line dropped');
    expect(store.list()).toEqual([]);
    await k.stop();
  });

  it('after a restart, imports what a person added while it was down, and nothing it wrote itself', async () => {
    const { store, file, keeper } = await setup();
    let k = keeper();
    await k.start();
    const a = await store.add({ text: 'will be done while down' });
    await store.add({ text: 'still pending' });
    await until(() => pending(file).length === 2, 'two pending lines');
    await k.stop();
    // While down: the first mission is claimed and finished, and a person adds a line.
    await store.claim('runner-1');
    await store.finish(a.id, 'runner-1', { class: 'success' });
    addUnderPending(file, '- fix the login page');
    k = keeper();
    await k.start();
    const texts = store
      .list()
      .map((m) => `${m.status} ${m.text}`)
      .sort();
    expect(texts).toEqual(['done will be done while down', 'pending fix the login page', 'pending still pending']);
    expect(pending(file).map((l) => l.replace(/ ⏳.*/, ''))).toEqual([
      '- [project:app] still pending',
      '- [project:app] fix the login page',
    ]);
    await k.stop();
  });

  it('without a last render (state lost), lines matching pending missions are not imported twice', async () => {
    const { store, file, lastRenderedFile, keeper } = await setup();
    let k = keeper();
    await k.start();
    await store.add({ text: 'only once' });
    await until(() => pending(file).length === 1, 'the line');
    await k.stop();
    rmSync(lastRenderedFile);
    k = keeper();
    await k.start();
    expect(store.list()).toHaveLength(1);
    await k.stop();
  });
});
