// The watchdog actor: hears every heartbeat, and on each check publishes a verdict per actor
// on <prefix>.watchdog.verdict — when the verdict changes, and again every heartbeat interval
// while it stays unhealthy, so a verdict lost in a reconnect is not lost for good. It detects;
// the supervisor decides and acts.
import { assessLiveness, heardNoEarlierThan } from '../../machines/liveness.js';
import { watchdogMachine } from '../../machines/watchdog.js';
import { readHeartbeat, toHeartbeatRecords, type HeartbeatRecord, type Verdict } from '../contracts/index.js';
import { isOnHost } from '../contracts/actorName.js';
import { isProcessAlive } from '../process.js';
import { sleep } from '../time/sleep.js';
import { liveBuildIdReader } from '../update/releaseLink.js';
import type { ActorKind } from './host.js';
import { createLivenessTable, type LivenessEntry } from './livenessTable.js';

const SEED_ATTEMPTS = 5;
const SEED_RETRY_MS = 1_000;

export const watchdogKind: ActorKind = {
  description: 'detects stale, dead, hung and drifted actors from their heartbeats',
  create: ({ config, bus, logger }) => {
    const table = createLivenessTable();
    const diskBuild = liveBuildIdReader(config.stateDir);
    // Each host's watchdog judges its own host's children (docs/scale-out.md#hosts-and-names).
    const host = config.host.id;
    const settings = { staleAfterMs: config.watchdog.staleAfter, maxLoopLagMs: config.watchdog.maxLoopLag };
    // Entries silent for this long belong to actors that were removed or renamed: forget them.
    const forgetAfterMs = config.watchdog.staleAfter * 10;
    let unsubscribe: (() => void) | undefined;
    const seeding = new AbortController();

    // A watchdog that (re)starts has heard nobody yet: an actor that froze meanwhile would never be
    // judged. The supervisor keeps every child's latest heartbeat; start from those.
    const seedFromSupervisor = async () => {
      for (let attempt = 1; attempt <= SEED_ATTEMPTS && !seeding.signal.aborted; attempt++) {
        try {
          const reply = await bus.request(bus.subjects.supHeartbeats, { host });
          const records = toHeartbeatRecords(reply).filter((hb) => isOnHost(hb.actor, host));
          table.trigger.seed({ records: creditedSeed(records, Date.now()) });
          return;
        } catch (error) {
          if (attempt === SEED_ATTEMPTS)
            logger.warn({ err: error }, 'could not learn the heartbeats the supervisor heard');
          else await sleep(SEED_RETRY_MS, { signal: seeding.signal });
        }
      }
    };

    const assessAll = () => {
      // Cut off from the bus, the watchdog hears nobody: that is no news of them, not bad news.
      if (!bus.connected) return;
      const now = Date.now();
      const diskBuildId = diskBuild();
      for (const entry of Object.values(table.getSnapshot().context.entries)) {
        const hb = heardNoEarlierThan(entry.heartbeat, bus.connectedAt);
        if (now - hb.receivedAt > forgetAfterMs) {
          table.trigger.forget({ actor: hb.actor });
          continue;
        }
        const processAlive = isProcessAlive(hb.pid); // every entry is this host's
        const verdict = assessLiveness(hb, { now, processAlive, diskBuildId }, settings);
        const publish = shouldPublish(entry, verdict, config.heartbeat.interval);
        if (publish) {
          bus.publish(bus.subjects.watchdogVerdict, verdict);
          if (verdict.verdict !== entry.verdict?.verdict) logger.info({ verdict }, 'verdict');
        }
        table.trigger.verdict({ verdict, published: publish });
      }
    };

    return {
      machine: watchdogMachine.provide({ actions: { assessAll } }),
      input: { checkIntervalMs: config.watchdog.checkInterval },
      start: () => {
        // A heartbeat without actor, pid or bootId is dropped (and logged) by the bus's reader.
        unsubscribe = bus.subscribe(bus.subjects.heartbeatAll, readHeartbeat, (record, subject) => {
          // Each actor may publish only on its own heartbeat subject: a beat naming another is forged.
          if (record.actor !== bus.subjects.heartbeatActor(subject))
            logger.warn({ subject, actor: record.actor }, 'ignored a heartbeat published for another actor');
          else if (isOnHost(record.actor, host)) table.trigger.heartbeat({ record });
        });
        void seedFromSupervisor();
      },
      stop: () => {
        unsubscribe?.();
        seeding.abort();
      },
      drainEvent: { type: 'DRAIN' },
      control: {
        table: () => table.getSnapshot().context.entries,
      },
    };
  },
};

/**
 * Heartbeats the supervisor heard, as a new watchdog starts from them: each counted as heard no
 * earlier than now. An actor that froze is still judged, staleAfter later; but a supervisor cut
 * off from the bus with its host heard nobody meanwhile, and its old records would get every
 * actor restarted as the host reconnects (docs/scale-out.md#work-on-any-host).
 */
export function creditedSeed(records: HeartbeatRecord[], now: number): HeartbeatRecord[] {
  return records.map((hb) => heardNoEarlierThan(hb, now));
}

export function shouldPublish(entry: LivenessEntry, verdict: Verdict, repeatMs: number): boolean {
  if (entry.verdict?.verdict !== verdict.verdict) return true;
  if (verdict.verdict === 'healthy') return false;
  return verdict.at - (entry.publishedAt ?? 0) >= repeatMs;
}
