// Who watches the watchdog, and the embedded server: the supervisor judges the watchdog's own
// heartbeats with the same liveness rules (drift included), and the nats child by a round trip
// every heartbeat interval. The supervisor machine invokes it as `selfWatch` for as long as it
// runs; the returned function (the callback actor's cleanup) ends both timers.
import * as ev from '../../machines/childEvents.js';
import { assessLiveness, heardNoEarlierThan } from '../../machines/liveness.js';
import type { HeartbeatRecord } from '../contracts/index.js';
import type { Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { isProcessAlive } from '../process.js';
import { liveBuildIdReader } from '../update/releaseLink.js';
import type { ChildProcess } from './processes.js';
import { NATS_CHILD, watchdogName } from './tree.js';
import type { TreeView } from './treeView.js';

export interface SelfWatchOptions {
  config: RoshiConfig;
  embedded: boolean;
  tree: Pick<TreeView, 'childRef'>;
  heartbeats: ReadonlyMap<string, HeartbeatRecord>;
  processes: ReadonlyMap<string, ChildProcess>;
  bus: () => Bus | undefined;
}

export function startSelfWatch({
  config,
  embedded,
  tree,
  heartbeats,
  processes,
  bus: currentBus,
}: SelfWatchOptions): () => void {
  const { childRef } = tree;
  const liveness = { staleAfterMs: config.watchdog.staleAfter, maxLoopLagMs: config.watchdog.maxLoopLag };
  const diskBuildId = liveBuildIdReader(config.stateDir);
  const watchdog = watchdogName(config);
  const watchWatchdog = setInterval(() => {
    const last = heartbeats.get(watchdog);
    const bus = currentBus();
    // A supervisor cut off from the bus hears nobody: no verdict on what it could not hear.
    if (!last || !bus?.connected) return;
    const hb = heardNoEarlierThan(last, bus.connectedAt);
    const verdict = assessLiveness(
      hb,
      { now: Date.now(), processAlive: isProcessAlive(hb.pid), diskBuildId: diskBuildId() },
      liveness,
    );
    if (verdict.verdict !== 'healthy') childRef(watchdog)?.send(ev.verdict(verdict));
  }, config.watchdog.checkInterval);

  // Judged by the time since the last answer, not by failed round trips: a frozen (SIGSTOPped)
  // server never fails a PING, it just never answers, and the client notices only much later.
  let lastAnswer = { pid: 0, at: 0 };
  let askedAt: number | undefined; // an unanswered PING; a new one goes out when it is this old
  const watchNats = setInterval(() => {
    const child = processes.get(NATS_CHILD);
    const bus = currentBus();
    if (!embedded || !bus || !child) return;
    const now = Date.now();
    if (lastAnswer.pid !== child.pid) lastAnswer = { pid: child.pid, at: now }; // a new server starts with credit
    const silentMs = now - lastAnswer.at;
    if (silentMs > config.watchdog.staleAfter) {
      childRef(NATS_CHILD)?.send(
        ev.verdict({
          actor: NATS_CHILD,
          verdict: 'stale',
          pid: child.pid,
          bootId: `nats-${child.pid}`,
          evidence: `no round trip for ${silentMs} ms`,
          at: now,
        }),
      );
    }
    if (askedAt !== undefined && now - askedAt < config.watchdog.staleAfter) return;
    const sentAt = now;
    askedAt = sentAt;
    bus
      .rtt()
      .then(
        () => {
          if (lastAnswer.pid === child.pid) lastAnswer.at = Date.now();
          childRef(NATS_CHILD)?.send(ev.heartbeat(child.pid, `nats-${child.pid}`, Date.now()));
        },
        () => undefined,
      )
      .finally(() => {
        if (askedAt === sentAt) askedAt = undefined;
      });
  }, config.heartbeat.interval);

  return () => {
    clearInterval(watchWatchdog);
    clearInterval(watchNats);
  };
}
