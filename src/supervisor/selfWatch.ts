// Who watches the watchdog, and the embedded server: the supervisor judges the watchdog's own
// heartbeats with the same liveness rules (drift included), and the nats child by a round trip
// every heartbeat interval. The supervisor machine invokes it as `selfWatch` for as long as it
// runs; the returned function (the callback actor's cleanup) ends both timers.
import * as ev from '../../machines/childEvents.js';
import { assessLiveness } from '../../machines/liveness.js';
import type { HeartbeatRecord } from '../contracts/index.js';
import type { Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { isProcessAlive } from '../process.js';
import { liveBuildIdReader } from '../update/releaseLink.js';
import type { ChildProcess } from './processes.js';
import { NATS_CHILD } from './tree.js';
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
  const watchWatchdog = setInterval(() => {
    const hb = heartbeats.get('watchdog');
    if (!hb) return;
    const verdict = assessLiveness(
      hb,
      { now: Date.now(), processAlive: isProcessAlive(hb.pid), diskBuildId: diskBuildId() },
      liveness,
    );
    if (verdict.verdict !== 'healthy') childRef('watchdog')?.send(ev.verdict(verdict));
  }, config.watchdog.checkInterval);

  let natsSilentSince: number | undefined;
  const watchNats = setInterval(() => {
    const child = processes.get(NATS_CHILD);
    const bus = currentBus();
    if (!embedded || !bus || !child) return;
    bus.rtt().then(
      () => {
        natsSilentSince = undefined;
        childRef(NATS_CHILD)?.send(ev.heartbeat(child.pid, `nats-${child.pid}`, Date.now()));
      },
      () => {
        const now = Date.now();
        natsSilentSince ??= now;
        if (now - natsSilentSince > config.watchdog.staleAfter) {
          childRef(NATS_CHILD)?.send(
            ev.verdict({
              actor: NATS_CHILD,
              verdict: 'stale',
              pid: child.pid,
              bootId: `nats-${child.pid}`,
              evidence: `no round trip for ${now - natsSilentSince} ms`,
              at: now,
            }),
          );
        }
      },
    );
  }, config.heartbeat.interval);

  return () => {
    clearInterval(watchWatchdog);
    clearInterval(watchNats);
  };
}
