// At start with an external server: can the NATS system hold nats.replicas copies of each
// stream? What a client can see of the system without its system account is the server's INFO
// (JetStream on, the cluster's name, the client URLs of its servers, the version: one with the
// clustered compare-and-set race is accepted, its replicated buckets compare the stream's last
// sequence instead, casScope.ts); the final word is the
// server's own placement of the outbox stream, which the supervisor creates next and whose
// refusal replication.ts turns into the same kind of error. docs/scale-out.md#replicas
import type { Bus } from './bus.js';
import { parseNatsServerVersion } from './jetstreamSync.js';
import { ReplicasError } from './replication.js';
import { ensureOutbox } from './streams.js';

/** What the connected server says about the system it belongs to. */
export interface ClusterView {
  server: string;
  jetstream: boolean;
  /** The cluster's name; undefined for a server on its own. */
  cluster: string | undefined;
  /** Servers the cluster advertises to clients (connect_urls); undefined when it does not say. */
  servers: number | undefined;
  /** The connected server's version (`2.9.10`), when it says. */
  version: string | undefined;
}

/**
 * Before this, a clustered stream can accept two writes that expect the same subject sequence
 * (nats-server issue 4320, fixed in 2.9.21): two KV updates of one revision both land. A single
 * server was never affected. JsonKv then compares the stream's last sequence (casScope.ts).
 */
export const CLUSTERED_CAS_SINCE = '2.9.21';

/** Does a server of this version (`2.9.10`) have the clustered compare-and-set race? Unknown: assume so. */
export function hasClusteredCasRace(version: string | undefined): boolean {
  const parsed = parseNatsServerVersion(version);
  return !parsed || compareVersion(parsed, parseNatsServerVersion(CLUSTERED_CAS_SINCE)!) < 0;
}

export function clusterViewOf(info: {
  server_name?: string;
  server_id?: string;
  jetstream?: boolean;
  cluster?: string;
  connect_urls?: string[];
  version?: string;
}): ClusterView {
  const urls = info.connect_urls ?? [];
  return {
    server: info.server_name || info.server_id || 'the server',
    jetstream: info.jetstream === true,
    cluster: info.cluster || undefined,
    servers: urls.length > 0 ? new Set(urls).size : undefined,
    version: parseNatsServerVersion(info.version)?.text,
  };
}

/** Why the system cannot hold `replicas` copies, or undefined when nothing visible says so. */
export function replicasRefusal(replicas: number, view: ClusterView): string | undefined {
  const asked = `nats.replicas is ${replicas}`;
  if (!view.jetstream) return `${asked}, but ${view.server} has JetStream off: roshi needs JetStream on every server`;
  if (replicas <= 1) return undefined;
  if (!view.cluster) {
    return `${asked}, but ${view.server} is not part of a cluster: a single server holds 1 copy. Set nats.replicas to 1, or join the server to a cluster of at least ${replicas}`;
  }
  if (view.servers !== undefined && view.servers < replicas) {
    return `${asked}, but cluster ${view.cluster} has ${view.servers} server${view.servers === 1 ? '' : 's'}: set nats.replicas to at most ${view.servers}, or add servers`;
  }
  return undefined;
}

/**
 * Refuses (ReplicasError naming nats.replicas and what the cluster has) when the server the
 * supervisor reached cannot hold the configured replicas, or will not place the outbox stream.
 * With replicas 1 there is nothing to check, so it does not wait for the connection.
 */
export async function checkClusterHolds(ready: Promise<Bus>, replicas: number): Promise<ClusterView | undefined> {
  if (replicas <= 1) return undefined;
  const bus = await ready;
  const view = clusterViewOf(bus.nc.info ?? {});
  const refusal = replicasRefusal(replicas, view);
  if (refusal) throw new ReplicasError(refusal);
  // The server's placement decides (JetStream may be off on some servers): the outbox stream at
  // nats.replicas, which the supervisor needs anyway, or a ReplicasError saying why not.
  await ensureOutbox(bus);
  return view;
}

function compareVersion(a: { major: number; minor: number; patch: number }, b: typeof a): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}
