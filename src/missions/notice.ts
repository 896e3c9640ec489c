// The operator's notice of how a mission ended, written into the record by the transition that
// ends it (transitions.ts) and removed once it is on the outbox (store.noticeSent). Pure.
import type { Mission, MissionNotice } from '../contracts/index.js';

/** One id per mission: a notice sent twice (a writer died before removing it) is deduped by the outbox. */
export const noticeId = (missionId: string): string => `mission-${missionId}-outcome`;

/** Done: the pipeline's report. Failed: that report (if the pipeline ran) and why. */
export function endNotice(
  m: Pick<Mission, 'id'>,
  status: 'done' | 'failed',
  report: string | undefined,
  why?: string,
): MissionNotice | undefined {
  const failed = status === 'failed' ? `❌ mission ${m.id} failed: ${why ?? 'failed'}` : undefined;
  const text = [report, failed].filter((t) => t !== undefined && t !== '').join('\n');
  return text ? { id: noticeId(m.id), text } : undefined;
}

/** The record without its notice, once the outbox has it; undefined when that notice is already gone. */
export function withoutNotice(m: Mission, id: string): Mission | undefined {
  if (m.notice?.id !== id) return undefined;
  const next = { ...m };
  delete next.notice;
  return next;
}
