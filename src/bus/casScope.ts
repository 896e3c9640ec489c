// Which compare-and-set a JsonKv bucket's writes make, chosen once when the bucket is opened.
// `subject`: KV's own, on the key's revision. `stream`: on the bucket stream's last sequence
// (streamCas.ts), for a replicated bucket on a nats-server before 2.9.21, whose clustered
// per-subject check lets two writes of one revision through (nats-server issue 4320).
// docs/scale-out.md#compare-and-set-scope
import type { Bus } from './bus.js';
import { hasClusteredCasRace } from './clusterCheck.js';

export type CasScope = 'subject' | 'stream';

/** What the connected server says of itself (a connection's INFO). */
export interface ServerFacts {
  cluster?: string;
  version?: string;
}

/**
 * `stream` when the bucket has more than one replica on a server with the race. A server on
 * its own, or one with the fix, answers from its INFO alone: no request on a single node.
 */
export function casScopeFor(server: ServerFacts, bucketReplicas: () => Promise<number>): Promise<CasScope> {
  if (!server.cluster || !hasClusteredCasRace(server.version)) return Promise.resolve('subject');
  return bucketReplicas().then((replicas) => (replicas > 1 ? 'stream' : 'subject'));
}

let forced: CasScope | undefined;

/**
 * Makes every bucket opened from now on in this process use `scope` (undefined: choose again).
 * For benchmarks and tests that compare the two; the stream scope is correct on any server.
 */
export function forceCasScope(scope: CasScope | undefined): void {
  forced = scope;
}

/** The scope of bucket `bucket` (its stream KV_<bucket> must exist) as seen through `bus`. */
export function casScopeOf(bus: Bus, bucket: string): Promise<CasScope> {
  if (forced) return Promise.resolve(forced);
  return casScopeFor(bus.nc.info ?? {}, async () => {
    const jsm = await bus.jetstreamManager();
    return (await jsm.streams.info(`KV_${bucket}`)).config.num_replicas;
  });
}
