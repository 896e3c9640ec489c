// Pause and resume of dispatch, served by the missions actor on <prefix>.missions.pause and
// <prefix>.missions.resume. The record lives in KV (see pause.ts), so every runner follows it.
//
// Start paused (runner.startPaused) is applied once per tree start, before these endpoints
// exist: a resume sent while the tree is still starting is written after it and wins. A later
// restart of the missions actor does not pause again, because the record is newer than the
// tree's start (ROSHI_TREE_STARTED_AT, set by the supervisor for its children).
import type { EndpointSpec, JsonKv, Payload, Subjects } from '../bus/index.js';
import type { Logger } from '../log.js';
import { isPausedAt, pauseLength, PAUSE_KEY, readPause, setPause, type PauseRecord } from './pause.js';

export const TREE_STARTED_ENV = 'ROSHI_TREE_STARTED_AT';

export async function applyStartPaused(
  kv: JsonKv,
  startPaused: boolean,
  treeStartedAt: number,
  now: number,
): Promise<PauseRecord> {
  const current = await readPause(kv);
  if (!startPaused || current.at >= treeStartedAt) return current;
  return setPause(kv, { paused: true, by: 'runner.startPaused', reason: 'started paused', at: now });
}

export function pauseEndpoints(kv: JsonKv, subjects: Subjects, logger: Logger): EndpointSpec[] {
  return [
    {
      name: 'pause',
      subject: subjects.missions('pause'),
      handler: async (payload: Payload) => {
        const by = typeof payload.by === 'string' ? payload.by : 'nats';
        const ms = pauseLength(payload.for);
        const until = ms === undefined ? undefined : Date.now() + ms;
        const record = await setPause(kv, { paused: true, by, at: Date.now(), ...(until ? { until } : {}) });
        logger.info({ by, until }, 'dispatch paused');
        return record;
      },
    },
    {
      name: 'resume',
      subject: subjects.missions('resume'),
      handler: async (payload: Payload) => {
        const by = typeof payload.by === 'string' ? payload.by : 'nats';
        const record = await setPause(kv, { paused: false, by, at: Date.now() });
        logger.info({ by }, 'dispatch resumed');
        return record;
      },
    },
  ];
}

/** Ends a timed pause when its deadline passes; returns a stop function. */
export async function resumeTimedPauses(kv: JsonKv, logger: Logger, checkMs = 1000): Promise<() => void> {
  let record: PauseRecord | undefined;
  const watch = await kv.watch<PauseRecord>(
    { onChange: (change) => (record = change.operation === 'put' ? change.value : undefined) },
    { key: PAUSE_KEY },
  );
  const timer = setInterval(() => {
    const now = Date.now();
    if (record?.paused && record.until !== undefined && !isPausedAt(record, now)) {
      const ended = record;
      record = undefined; // one write, even if the watch is slow to echo it
      setPause(kv, { paused: false, by: 'timer', reason: `pause by ${ended.by} ended`, at: now }).then(
        () => logger.info({ by: ended.by }, 'timed pause ended; dispatch resumed'),
        (error: unknown) => logger.warn({ err: error }, 'could not end a timed pause; will retry'),
      );
    }
  }, checkMs);
  return () => {
    clearInterval(timer);
    watch.stop();
  };
}
