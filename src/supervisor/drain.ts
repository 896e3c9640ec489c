// The supervisor's watch over its own host's drain record (docs/scale-out.md#add-and-drain-a-host).
// `draining`: the runners' gate holds every claim (runnerTriggers.ts); once every local runner says
// it saw the mark and holds no mission, the record becomes `left` and the tree stops the normal
// way (exit 0). `left` at start: the host was started again while drained, so it stays up with its
// runners held until the mark is cleared. A cleared mark ends the wait.
import { JsonKv, type Bus, type Entry } from '../bus/index.js';
import {
  drainKey,
  hostLabel,
  idleForDrain,
  RUNNER_DRAIN_VERB,
  toDrainRecord,
  toRunnerDrainReply,
  type DrainRecord,
} from '../contracts/drain.js';
import { isRunnerName } from '../contracts/actorName.js';
import type { Logger } from '../log.js';
import { markLeft } from '../missions/hostDrain.js';

export interface HostDrainOptions {
  host: string;
  bus: Promise<Bus>;
  /** The tree's children as status shows them: a runner without a process (pid null) runs nothing. */
  children: () => ReadonlyArray<{ name: string; state: string; pid: number | null }>;
  /** The lifecycle's stop: the tree stops in reverse order and the process exits 0. */
  shutdown: (reason: string) => void;
  logger: Logger;
  /** How often the runners are asked while draining. */
  checkMs?: number;
}

/** Call once the machine is set up; the returned function ends the watch. */
export function watchHostDrain({
  host,
  bus,
  children,
  shutdown,
  logger,
  checkMs = 1000,
}: HostDrainOptions): () => void {
  let stopped = false;
  let seen: Entry<DrainRecord> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let checking = false;
  let leaving = false;
  let lastWaiting = '';
  let stopWatch: (() => void) | undefined;

  const check = async (kv: JsonKv, b: Bus) => {
    if (checking || leaving || stopped || seen?.value.state !== 'draining') return;
    checking = true;
    try {
      const waiting = await busyRunners(b, children());
      const text = waiting.join(', ');
      if (waiting.length > 0) {
        if (text !== lastWaiting) logger.info({ waiting }, `draining: waiting for ${text}`);
        lastWaiting = text;
        return;
      }
      const record = seen;
      if (!(await markLeft(kv, record, Date.now()))) return; // moved: the watch brings the new record
      leaving = true;
      clearInterval(timer);
      const why = record.value.reason ? ` (${record.value.reason})` : '';
      logger.info(
        { by: record.value.by, reason: record.value.reason, at: new Date(record.value.at).toISOString() },
        `${hostLabel(host)} drained by ${record.value.by}${why}: every runner is idle; stopping the tree`,
      );
      shutdown(`drained by ${record.value.by}`);
    } catch (error) {
      logger.warn({ err: error }, 'drain check failed; will retry');
    } finally {
      checking = false;
    }
  };

  const onRecord = (kv: JsonKv, b: Bus, entry: Entry<DrainRecord> | undefined) => {
    const before = seen;
    seen = entry;
    if (leaving) return;
    if (!entry) {
      clearInterval(timer);
      timer = undefined;
      if (before) logger.info(`drain of ${hostLabel(host)} undone; its runners claim again`);
      return;
    }
    if (entry.value.state === 'left') {
      clearInterval(timer);
      timer = undefined;
      logger.warn(
        { by: entry.value.by, leftAt: entry.value.leftAt },
        `${hostLabel(host)} was drained by ${entry.value.by} and left; started again, its runners claim nothing until the drain is undone (roshi drain --undo)`,
      );
      return;
    }
    if (!timer) {
      logger.info(
        { by: entry.value.by, reason: entry.value.reason },
        `${hostLabel(host)} draining (by ${entry.value.by}): runners finish their missions and claim no more`,
      );
      timer = setInterval(() => void check(kv, b), checkMs);
      void check(kv, b);
    }
  };

  void bus
    .then(async (b) => {
      const kv = await JsonKv.open(b, b.subjects.stateBucket);
      if (stopped) return;
      const watch = await kv.watch<unknown>(
        {
          onChange: (change) => {
            const record = change.operation === 'put' ? toDrainRecord(change.value) : undefined;
            if (change.operation === 'put' && !record)
              logger.warn({ key: change.key }, 'drain record unreadable; ignored');
            onRecord(kv, b, record && { key: change.key, value: record, revision: change.revision });
          },
        },
        { key: drainKey(host) },
      );
      stopWatch = () => watch.stop();
      if (stopped) watch.stop();
    })
    .catch((error: unknown) => logger.error({ err: error }, 'could not watch this host’s drain record'));

  return () => {
    stopped = true;
    clearInterval(timer);
    stopWatch?.();
  };
}

/** The local runners that may still run or take a mission, each with why; empty when all are idle. */
async function busyRunners(
  b: Bus,
  children: ReadonlyArray<{ name: string; state: string; pid: number | null }>,
): Promise<string[]> {
  const answers = await Promise.all(
    children
      .filter((c) => isRunnerName(c.name) && c.pid !== null)
      .map(async (c): Promise<string | undefined> => {
        if (c.state !== 'running') return `${c.name} (${c.state})`;
        const reply = toRunnerDrainReply(
          await b.request(b.subjects.control(c.name), { verb: RUNNER_DRAIN_VERB }, 2_000).catch(() => undefined),
        );
        if (!reply) return `${c.name} (no answer)`;
        if (idleForDrain(reply)) return undefined;
        return `${c.name} (${reply.mission ? `mission ${reply.mission}` : reply.state})`;
      }),
  );
  return answers.filter((a): a is string => a !== undefined);
}
