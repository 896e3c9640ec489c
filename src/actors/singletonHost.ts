// How the actor host runs a singleton (docs/scale-out.md#singleton-leases): opening the kind's
// lease (a bridge's: one per chat provider it can build here), and the standby phase before the
// kind is even created (heartbeats say standby; control answers ping, stop and restart; nothing
// else runs).
// Losing the lease while active ends the process at once with LEASE_LOST_EXIT_CODE.
import { LeaseBucket } from '../bus/leaseBucket.js';
import { Lease } from '../bus/lease.js';
import type { Bus } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { controlVerb, type AcceptedReply, type PingReply } from '../contracts/index.js';
import { parseActorName } from '../contracts/actorName.js';
import { bridgeLeaseName, singletonLeaseNames } from '../contracts/singletons.js';
import { ProviderLeases } from '../bridge/providerLeases.js';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../log.js';
import { fenceOnLease, type LeaseFence } from '../bus/leaseFence.js';
import type { Heartbeat } from './heartbeat.js';
import { LEASE_LOST_EXIT_CODE, SingletonLease, type SingletonGuard } from './singletonLease.js';

/**
 * The lease of a singleton actor, holder `<actor>/<pid>`: its kind's, or for a bridge one per
 * configured chat provider it can build in this process (ProviderLeases); undefined when `name`
 * needs none.
 */
export async function openSingletonLease(
  name: string,
  config: RoshiConfig,
  bus: Bus,
  logger: Logger,
): Promise<SingletonGuard | undefined> {
  // The name carries the host: with host.id empty it is unqualified and needs no lease.
  if (config.host.id === '') return undefined;
  const ttlMs = config.supervision.leaseTtl;
  const open = async (leaseName: string) =>
    new Lease({
      store: await LeaseBucket.open(bus, leaseName),
      key: 'holder',
      holder: `${name}/${process.pid}`,
      ttlMs,
    });
  if (parseActorName(name)?.kind === 'bridge') {
    // Only what this process can build: a lease it could not serve would keep out a host that can.
    // Imported here, as the registry imports the bridge: other actors need no chat adapter.
    const { buildableProviders, logProviderFailures } = await import('../adapters/messaging/index.js');
    const { buildable, failures } = buildableProviders(config, bus);
    logProviderFailures(logger, failures, 'cannot be built here: its lease is left to the hosts that can');
    if (buildable.length === 0) {
      const reasons = Object.fromEntries(failures.map((f) => [f.name, f.error]));
      logger.error({ reasons }, 'no chat provider of bridge.providers can be built here: standby until stopped');
    }
    const leases = await Promise.all(
      buildable.map(async (provider) => ({ provider, lease: await open(bridgeLeaseName(provider)) })),
    );
    return new ProviderLeases(leases, { ttlMs, logger });
  }
  const [leaseName] = singletonLeaseNames(name);
  return leaseName ? new SingletonLease({ lease: await open(leaseName), ttlMs, logger }) : undefined;
}

/** How a standby ended: the lease is ours, or the process is to stop without ever working. */
export type StandbyEnd = 'active' | 'stop' | 'restart' | 'signal' | 'bus-closed';

export interface StandbyOptions {
  bus: Bus;
  name: string;
  logger: Logger;
  ping: () => PingReply;
}

/** Waits for the lease, answering the control subject and signals meanwhile. */
export async function standBy(singleton: SingletonGuard, options: StandbyOptions): Promise<StandbyEnd> {
  const { bus, name, logger } = options;
  const stopped = new AbortController();
  let end: StandbyEnd = 'stop';
  const quit = (why: Exclude<StandbyEnd, 'active'>) => {
    end = why;
    stopped.abort();
  };
  const control = bus.serve(bus.subjects.control(name), (payload) => {
    const verb = controlVerb(payload);
    if (verb === 'ping') return options.ping();
    if (verb === 'stop' || verb === 'restart') {
      setImmediate(() => quit(verb));
      return { accepted: true, pid: process.pid } satisfies AcceptedReply;
    }
    throw new BadRequestError(`${name} is in standby, waiting for its lease: it answers ping, stop and restart`);
  });
  const onSignal = () => quit('signal');
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  void bus.nc.closed().then(() => quit('bus-closed'));
  logger.info({ renewEveryMs: singleton.renewEveryMs }, 'standby: waiting for the lease');
  try {
    return (await singleton.waitForLease(stopped.signal)) ? 'active' : end;
  } finally {
    control.unsubscribe();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

export interface ActivationOptions extends Omit<StandbyOptions, 'ping'> {
  heartbeat: Heartbeat;
  config: RoshiConfig;
  buildId: string;
}

/**
 * Heartbeats in standby until the lease is ours, then fences the process and keeps the lease
 * (losing it exits at once); 'stopped' when told to stop first (the bus is drained).
 */
export async function waitUntilActive(
  singleton: SingletonGuard,
  options: ActivationOptions,
): Promise<{ fence: LeaseFence } | 'stopped'> {
  const { bus, name, logger, heartbeat, config, buildId } = options;
  heartbeat.start(config.heartbeat.interval, (beat) => bus.publish(bus.subjects.heartbeat(name), beat));
  const ping = (): PingReply => ({
    pong: true,
    actor: name,
    pid: process.pid,
    state: 'standby',
    buildId,
    bootId: heartbeat.bootId,
  });
  const end = await standBy(singleton, { bus, name, logger, ping });
  if (end !== 'active') {
    logger.info({ reason: end }, 'standby ended without the lease');
    heartbeat.stop();
    await bus.drain().catch(() => {});
    return 'stopped';
  }
  const lost = (reason: string) => leaseLostExit(logger, reason);
  const fence = fenceOnLease(
    bus,
    () => singleton.holds(),
    (what) => lost(`the lease was gone before ${what}`),
  );
  singleton.keep(lost);
  return { fence };
}

/** The lease is gone: no further side effect may happen, so exit now instead of draining. */
export function leaseLostExit(logger: Logger, reason: string): never {
  logger.error({ reason, exitCode: LEASE_LOST_EXIT_CODE }, 'lease lost: stopping at once');
  process.exit(LEASE_LOST_EXIT_CODE);
}
