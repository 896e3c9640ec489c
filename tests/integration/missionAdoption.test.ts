// A claim adopts the run an earlier attempt's agent finished while its runner was dead: the
// agent's stream file says it succeeded, so the mission gets that run as its delivery instead
// of paying for the agent again (src/actors/runnerDelivery.ts, docs/missions.md#delivery-after-a-crash).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adoptFinishedRun } from '../../src/actors/runnerDelivery.js';
import { streamFilePath } from '../../src/adapters/agent/streamFile.js';
import { silentLogger } from '../../src/log.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
const dir = mkdtempSync(join(tmpdir(), 'roshi-adopt-'));
const stores: MissionStore[] = [];
let counter = 0;
afterAll(() => {
  for (const store of stores) store.close();
  rmSync(dir, { recursive: true, force: true });
});

const finished = JSON.stringify({
  type: 'result',
  subtype: 'success',
  is_error: false,
  result: 'wrote the file',
  total_cost_usd: 0.25,
  num_turns: 2,
});

async function storeOnOwnBucket(): Promise<MissionStore> {
  const prefix = `adopt${++counter}`;
  const store = await MissionStore.open(await nats.connect(`test-${prefix}`, prefix), testMissionSettings(), {
    logger: silentLogger(),
  });
  stores.push(store);
  return store;
}

/** Claims the mission `times` times, each earlier claim's lease running out (its runner died). */
async function claimAfterCrashes(store: MissionStore, times: number) {
  let t = Date.now();
  let claimed = await store.claim('runner-1', t);
  for (let n = 1; n < times; n++) {
    t += 40_000;
    await store.expireLeases(t);
    claimed = await store.claim(`runner-${n + 1}`, t + 1);
  }
  return claimed!;
}

describe('adopting a finished run at the claim', () => {
  it('takes the success an attempt left, even when the attempt after it died before its agent ran', async () => {
    const store = await storeOnOwnBucket();
    const mission = await store.add({ text: 'write the file' });
    writeFileSync(streamFilePath(dir, mission.id, 1), `${finished}\n`);
    const third = await claimAfterCrashes(store, 3);
    expect(third.attempts).toBe(3);

    const adopted = await adoptFinishedRun(store, third, third.lease!.runner, dir, silentLogger());
    expect(adopted.delivery).toMatchObject({ summary: 'wrote the file', costUsd: 0.25, attempt: 1 });
    expect((await store.get(mission.id))?.delivery?.attempt).toBe(1);
    expect(existsSync(streamFilePath(dir, mission.id, 1)), 'the raw file is gone once adopted').toBe(false);
  });

  it('adopts nothing from a run cut off before its result, and removes its file', async () => {
    const store = await storeOnOwnBucket();
    const mission = await store.add({ text: 'cut off' });
    writeFileSync(streamFilePath(dir, mission.id, 1), '{"type":"system","subtype":"init"}\n');
    const second = await claimAfterCrashes(store, 2);

    const after = await adoptFinishedRun(store, second, second.lease!.runner, dir, silentLogger());
    expect(after.delivery).toBeUndefined();
    expect(existsSync(streamFilePath(dir, mission.id, 1))).toBe(false);
  });
});
