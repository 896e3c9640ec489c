// The status view served on <prefix>.sup.status: the machines' view of each child joined with
// its live process and its latest heartbeat.
import { childStatus } from '../../machines/childStatus.js';
import type { HeartbeatRecord } from '../contracts/index.js';
import type { Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import type { ChildProcess } from './processes.js';
import type { TreeStatus } from './status.js';
import type { TreeView } from './treeView.js';

export interface TreeStatusSources {
  tree: TreeView;
  processes: ReadonlyMap<string, ChildProcess>;
  heartbeats: ReadonlyMap<string, HeartbeatRecord>;
  bus: () => Bus | undefined;
  config: RoshiConfig;
  url: string;
  embedded: boolean;
  startedAt: number;
  buildId: string;
}

export function treeStatus({
  tree,
  processes,
  heartbeats,
  bus: currentBus,
  config,
  url,
  embedded,
  startedAt,
  buildId,
}: TreeStatusSources): TreeStatus {
  const snap = tree.root.getSnapshot();
  const bus = currentBus();
  return {
    supervisor: {
      pid: process.pid,
      state: JSON.stringify(snap.value).replace(/"/g, ''),
      uptimeMs: Date.now() - startedAt,
      buildId,
      stateDir: config.stateDir,
      ...(config.host.id ? { host: config.host.id } : {}),
    },
    nats: {
      url: bus?.url ?? url.replace(/\/\/[^@/]*@/g, '//[redacted]@'),
      embedded,
      connected: bus !== undefined && !bus.isClosed(),
    },
    children: tree.childSnapshots().map((child) => {
      const row = childStatus(child);
      const hb = heartbeats.get(row.name);
      const current = hb && hb.pid === row.pid ? hb : undefined;
      const proc = processes.get(row.name);
      return {
        ...row,
        uptimeMs: proc && proc.pid === row.pid ? Date.now() - proc.startedAt : null,
        actorState: current?.state ?? null,
        rssBytes: current?.rssBytes ?? null,
        buildId: current?.buildId ?? null,
      };
    }),
  };
}
