// How a mission ended reaches the outbox once: the notice rides in the record's last write, the
// writer sends it and lets go of it, and a notice a dead writer left behind is swept up later.
// Against a real nats-server: the outbox stream's message count is what the bridge would deliver.
import { describe, expect, it } from 'vitest';
import { ensureOutbox, streamState } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { sendNotice, sweepNotices } from '../../src/missions/noticeDelivery.js';
import { MissionStore } from '../../src/missions/store.js';
import { testMissionSettings } from '../harness/missionSettings.js';
import { useNats } from '../harness/nats.js';

const nats = useNats();
let counter = 0;

async function setup() {
  const bus = await nats.connect('notices', `n${++counter}`);
  await ensureOutbox(bus);
  const store = await MissionStore.open(bus, testMissionSettings(), { logger: silentLogger() });
  const outboxed = async () => (await streamState(bus, bus.subjects.outboxStream))?.messages ?? 0;
  /** A mission claimed by r1 and finished as done with the pipeline's report, its notice not sent yet. */
  const finished = async () => {
    const added = await store.add({ text: `notice ${counter}`, source: 'cli' });
    await store.claim('r1');
    return store.finish(added.id, 'r1', { class: 'success', report: `✅ ${added.id} done` });
  };
  return { bus, store, outboxed, finished };
}

describe('mission notices', () => {
  it('the finishing write carries the notice; sending puts it on the outbox once and clears it', async () => {
    const { bus, store, outboxed, finished } = await setup();
    const done = await finished();
    expect(done.notice).toEqual({ id: `mission-${done.id}-outcome`, text: `✅ ${done.id} done` });
    await sendNotice(bus, store, done, 'runner-1');
    expect(await outboxed()).toBe(1);
    expect((await store.get(done.id)).notice).toBeUndefined();
    // A writer that died after publishing but before clearing sends it again: the outbox drops it.
    await sendNotice(bus, store, done, 'runner-1');
    expect(await outboxed()).toBe(1);
    store.close();
  });

  it('the sweep sends what a dead writer left, only once the grace has passed', async () => {
    const { bus, store, outboxed, finished } = await setup();
    const done = await finished();
    const logger = silentLogger();
    expect(await sweepNotices(bus, store, { graceMs: 60_000, source: 'missions', logger })).toBe(0);
    expect(await outboxed()).toBe(0);
    expect(await sweepNotices(bus, store, { graceMs: 0, source: 'missions', logger, now: Date.now() + 1 })).toBe(1);
    expect(await outboxed()).toBe(1);
    expect((await store.get(done.id)).notice).toBeUndefined();
    expect(await sweepNotices(bus, store, { graceMs: 0, source: 'missions', logger, now: Date.now() + 1 })).toBe(0);
    store.close();
  });
});
