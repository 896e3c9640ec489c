// The watchdog's liveness table: the latest heartbeat of every actor and the last verdict given
// about it. Only data with events, so an @xstate/store store rather than a machine.
import { createStore } from '@xstate/store';
import type { HeartbeatRecord, Verdict } from '../contracts/index.js';

export interface LivenessEntry {
  heartbeat: HeartbeatRecord;
  verdict?: Verdict;
  /** When the last verdict was published, to pace repeats of unhealthy ones. */
  publishedAt?: number;
}

export function createLivenessTable() {
  return createStore({
    context: { entries: {} as Record<string, LivenessEntry> },
    on: {
      heartbeat: (context, event: { record: HeartbeatRecord }) => {
        const previous = context.entries[event.record.actor];
        // A new boot of the same actor replaces the old entry, verdict and all.
        const keep = previous && previous.heartbeat.bootId === event.record.bootId ? previous : undefined;
        return { entries: { ...context.entries, [event.record.actor]: { ...keep, heartbeat: event.record } } };
      },
      verdict: (context, event: { verdict: Verdict; published: boolean }) => {
        const entry = context.entries[event.verdict.actor];
        if (!entry) return context;
        return {
          entries: {
            ...context.entries,
            [event.verdict.actor]: {
              ...entry,
              verdict: event.verdict,
              ...(event.published ? { publishedAt: event.verdict.at } : {}),
            },
          },
        };
      },
      /** Heartbeats heard by someone else (the supervisor) before this table existed; never newer news. */
      seed: (context, event: { records: HeartbeatRecord[] }) => {
        const entries = { ...context.entries };
        for (const record of event.records) {
          if (!entries[record.actor]) entries[record.actor] = { heartbeat: record };
        }
        return { entries };
      },
      forget: (context, event: { actor: string }) => {
        const { [event.actor]: _gone, ...entries } = context.entries;
        return { entries };
      },
    },
  });
}

export type LivenessTable = ReturnType<typeof createLivenessTable>;
