// Exactly-once intake against a real nats-server: a mission request naming the message it came
// from makes one mission however often it is repeated, by one store or by racing stores on the
// same bucket, and a claim left by a request that died before its mission is finished by the next.
import { afterAll, describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/kv.js';
import { MissionStore } from '../../src/missions/store.js';
import { claimIntake, intakeKey } from '../../src/missions/store/intakeKeys.js';
import { silentLogger } from '../../src/log.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
const stores: MissionStore[] = [];
let counter = 0;
const SETTINGS = testMissionSettings({ projects: { names: ['app'], defaultProject: 'app' } });

afterAll(() => {
  for (const store of stores) store.close();
});

async function openStores(count: number) {
  const prefix = `intake${++counter}`;
  const opened: MissionStore[] = [];
  for (let i = 0; i < count; i++) {
    const store = await MissionStore.open(await nats.connect(`intake-${prefix}-${i}`, prefix), SETTINGS, {
      logger: silentLogger(),
    });
    stores.push(store);
    opened.push(store);
  }
  return { prefix, stores: opened };
}

describe('exactly-once intake', () => {
  it('a repeated request names the mission the first one made, and the index holds one', async () => {
    const {
      stores: [store],
    } = await openStores(1);
    const first = await store!.add({ text: 'fix the login test', source: 'chat', intake: 'telegram:-100:7' });
    const again = await store!.add({ text: 'fix the login test', source: 'chat', intake: 'telegram:-100:7' });
    const other = await store!.add({ text: 'fix the login test', source: 'chat', intake: 'telegram:-100:8' });
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(
      store!
        .list()
        .map((m) => m.id)
        .sort(),
    ).toEqual([first.id, other.id].sort());
    expect(store!.quarantined()).toEqual([]);
  });

  it('racing stores on one bucket make one mission per message', async () => {
    const { stores: racing } = await openStores(3);
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        racing[i % 3]!.add({ text: `race ${i % 4}`, source: 'chat', intake: `slack:C1:${i % 4}` }).then((m) => m.id),
      ),
    );
    expect(new Set(ids).size).toBe(4);
    for (let k = 0; k < 4; k++) expect(new Set(ids.filter((_, i) => i % 4 === k)).size).toBe(1);
    const store = racing[0]!;
    await expect.poll(() => store.list().length).toBe(4);
  });

  it('a claim whose request died before writing the mission is finished under the claimed id', async () => {
    const {
      prefix,
      stores: [store],
    } = await openStores(1);
    const bus = await nats.connect(`intake-${prefix}-raw`, prefix);
    const kv = await JsonKv.open(bus, bus.subjects.missionsBucket);
    expect(await claimIntake(kv, 'matrix:!room:$event', 'mfx3k2a1q7z', Date.now())).toBe('mfx3k2a1q7z');
    expect((await kv.get(intakeKey('matrix:!room:$event')))?.value).toMatchObject({ id: 'mfx3k2a1q7z' });
    const made = await store!.add({ text: 'made after the crash', source: 'chat', intake: 'matrix:!room:$event' });
    expect(made.id).toBe('mfx3k2a1q7z');
    expect((await store!.add({ text: 'made after the crash', source: 'chat', intake: 'matrix:!room:$event' })).id).toBe(
      'mfx3k2a1q7z',
    );
  });
});
