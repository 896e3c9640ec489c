// Several supervisors as separate hosts on one NATS cluster (docs/scale-out.md#hosts-and-names):
// each a TestTree with its own host.id and state dir, the cluster's per-actor passwords in its
// nats-users.env, and a status() that reads its own host's answer among every supervisor's.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPERATOR_USER, passwordVariable } from '../../src/bus/permissions.js';
import type { TreeStatus } from '../../src/supervisor/status.js';
import type { NatsCluster } from './natsCluster.js';
import { TestTree } from './tree.js';

export interface HostOptions {
  id: string;
  cluster: NatsCluster;
  /** The tree's config (host.id and nats.* are set here). */
  config: Record<string, unknown>;
  env?: Record<string, string>;
  replicas?: number;
  /** Reuse a state dir (the host restarted after its death); default a fresh temp dir. */
  stateDir?: string;
  /** nats.url of the host (e.g. relays in front of the nodes); default the cluster's URL. */
  natsUrl?: string;
}

/** A worker host's actors (`actors:` in its config): its watchdog and runners, nothing else. */
export const WORKER_HOST = {
  missions: { enabled: false },
  bridge: { enabled: false },
  chat: { enabled: false },
  prPoller: { enabled: false },
  webhook: { enabled: false },
  web: { enabled: false },
};

/** Every supervisor's sup.status, as `roshi status` gathers them. */
export async function systemStatus(tree: TestTree): Promise<TreeStatus[]> {
  return tree.bus.requestAll<TreeStatus>(tree.bus.subjects.supStatus, {}, { timeoutMs: 2_000 });
}

/** Starts host `id`'s supervisor on the cluster; stop it with its TestTree's stop(). */
export async function startHost({
  id,
  cluster,
  config,
  env,
  replicas = 3,
  natsUrl = cluster.url,
  ...given
}: HostOptions): Promise<TestTree> {
  const stateDir = given.stateDir ?? mkdtempSync(join(tmpdir(), `roshi-${id}-`));
  // The operator's setup of an external server: every user's password, one variable each.
  writeFileSync(
    join(stateDir, 'nats-users.env'),
    cluster.users.map((u) => `${passwordVariable(u.user)}=${u.password}\n`).join(''),
    { mode: 0o600 },
  );
  const tree = await TestTree.start({
    stateDir,
    natsUrl,
    // nats.* of the tree's config file (TreeOptions types only the credentials; replicas is a nats key too),
    // with the JetStream timeout docs/scale-out.md's cluster example sets.
    natsAuth: { replicas, jetstreamTimeout: '2.5s' } as NonNullable<Parameters<typeof TestTree.start>[0]>['natsAuth'],
    testAuth: cluster.credentialOf(OPERATOR_USER),
    config: { ...config, host: { id } },
    ...(env ? { env } : {}),
  });
  // Every supervisor answers sup.status: this tree's view is its own host's answer.
  Object.assign(tree, {
    status: async (): Promise<TreeStatus> => {
      const mine = (await systemStatus(tree)).find((s) => s.supervisor.host === id);
      if (!mine) throw new Error(`no sup.status answer from host ${id}`);
      return mine;
    },
  });
  return tree;
}
