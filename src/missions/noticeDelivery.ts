// Sends a finished mission's notice to the outbox and then lets the record go of it. The runner
// sends its own at once; the missions actor sweeps what a writer that died left on a record.
// The outbox dedupes on the notice id, so a notice sent twice reaches chat once.
import { publishDurable, type Bus } from '../bus/index.js';
import type { Mission } from '../contracts/index.js';
import type { Logger } from '../log.js';
import type { MissionStore } from './store.js';

export async function sendNotice(bus: Bus, store: MissionStore, mission: Mission, source: string): Promise<void> {
  const notice = mission.notice;
  if (!notice) return;
  // A failed mission's notice offers to queue it again (/retry, src/bridge/retry.ts).
  const actions = mission.status === 'failed' ? [{ label: '🔁 Retry', command: `/retry ${mission.id}` }] : undefined;
  const message = {
    id: notice.id,
    kind: 'notification',
    source,
    text: notice.text,
    ...(actions ? { actions } : {}),
    at: Date.now(),
  };
  await publishDurable(bus, bus.subjects.bridgeOut, message, notice.id);
  await store.noticeSent(mission.id, notice.id);
}

/** Sends the notices left on records finished more than `graceMs` ago (their writer had its chance). */
export async function sweepNotices(
  bus: Bus,
  store: MissionStore,
  options: { graceMs: number; source: string; logger: Logger; now?: number },
): Promise<number> {
  const left = store.unsentNotices((options.now ?? Date.now()) - options.graceMs);
  for (const mission of left) {
    await sendNotice(bus, store, mission, options.source).catch((error: unknown) =>
      options.logger.warn({ err: error, mission: mission.id }, 'notice not sent; the next sweep tries again'),
    );
  }
  if (left.length > 0) options.logger.info({ missions: left.map((m) => m.id) }, 'sent notices a writer left behind');
  return left.length;
}
