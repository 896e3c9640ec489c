// How many copies of each KV bucket and stream the NATS system keeps: nats.replicas, carried by
// the Bus, applied here for every asset roshi creates (one place, not one literal per site). An
// existing asset with fewer replicas is scaled up by a stream update (a cluster allows it);
// never down, so a forgotten key cannot silently halve a cluster's redundancy.
// docs/scale-out.md#replicas
import type { JetStreamManager, StreamInfo } from 'nats';
import { EXIT, RoshiError } from '../errors.js';
import { sleep } from '../time/sleep.js';
import type { Bus } from './bus.js';

/** The cluster cannot hold what nats.replicas asks, or an asset could not be brought to it. */
export class ReplicasError extends RoshiError {
  override readonly code = 'replicas';
  override readonly exitCode = EXIT.config;
}

/** Replicas for a stream roshi creates (its config's num_replicas), never below what it has. */
export function streamReplicas(bus: Bus, existing?: StreamInfo): { num_replicas: number } {
  return { num_replicas: Math.max(bus.replicas, existing?.config.num_replicas ?? 1) };
}

/** Options for js.views.kv: the replicas a new bucket is created with. */
export function kvReplicas(bus: Bus): { replicas: number } {
  return { replicas: bus.replicas };
}

/** How long an open waits for a clustered bucket's stream to elect its leader. */
const LEADER_WAIT_MS = 10_000;
const LEADER_POLL_MS = 100;

/**
 * Brings an existing bucket's stream (KV_<bucket>) up to nats.replicas, and waits until it has a
 * leader: a bucket another host has just created is described before its replicas have elected
 * one, and a write then reaches nobody (503). With the default 1 it does nothing, so a
 * single-node install makes no extra request.
 */
export async function readyBucketStream(bus: Bus, bucket: string): Promise<void> {
  if (bus.replicas <= 1) return;
  const jsm = await bus.jetstreamManager();
  const name = `KV_${bucket}`;
  let info = await jsm.streams.info(name);
  if (info.config.num_replicas < bus.replicas) await updateReplicas(jsm, bus, name, info.config.num_replicas);
  for (const deadline = Date.now() + LEADER_WAIT_MS; !info.cluster?.leader && Date.now() < deadline; ) {
    await sleep(LEADER_POLL_MS);
    info = await jsm.streams.info(name);
  }
}

async function updateReplicas(jsm: JetStreamManager, bus: Bus, name: string, had: number): Promise<void> {
  try {
    await jsm.streams.update(name, { num_replicas: bus.replicas });
  } catch (error) {
    throw placementError(error, bus, name, had);
  }
}

/**
 * The server's refusal to place `replicas` copies, as an error naming nats.replicas and what the
 * server said; any other error is returned as it is.
 */
export function placementError(error: unknown, bus: Bus, stream: string, had?: number): Error {
  const text = (error as Error).message ?? String(error);
  if (!/insufficient resources|replicas|peer|placement|not supported in non-clustered/i.test(text))
    return error as Error;
  const from = had === undefined ? 'create' : `raise from ${had} to`;
  return new ReplicasError(
    `nats.replicas is ${bus.replicas}, but the NATS system could not ${from} ${bus.replicas} replicas of ${stream}: ${text}. ` +
      'Lower nats.replicas to the number of JetStream servers in the cluster (1 for a single server), or add servers.',
  );
}
