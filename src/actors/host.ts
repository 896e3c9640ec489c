// The actor host: everything an actor process has in common, around exactly one XState
// machine. It connects to the bus, publishes heartbeats and inspection events, answers the
// control subject (ping, restart, stop, snapshot), registers a NATS micro service, notices a
// vanished supervisor, and shuts down in two phases: drain within the grace, then force.
// A singleton on a multi-host system first waits in standby for its kind's lease (a bridge: for
// one of its providers' leases; docs/scale-out.md#singleton-leases); every other actor starts
// as it always did.
import { createActor, type AnyActorRef, type AnyStateMachine, type EventObject } from 'xstate';
import { Bus, registerService } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import { controlVerb, type AcceptedReply, type PingReply, type SnapshotReply } from '../contracts/index.js';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../log.js';
import { busInspectionGate, listenForInspectors } from '../inspect/gate.js';
import { readBuildInfo } from '../paths.js';
import { Heartbeat } from './heartbeat.js';
import { HostState } from './hostState.js';
import { watchLifeline } from './lifeline.js';
import { openSingletonLease, waitUntilActive } from './singletonHost.js';
import type { SingletonGuard } from './singletonLease.js';

export interface ActorEnvironment {
  /** The actor's name on the bus: `watchdog`, `runner-2`, … */
  name: string;
  config: RoshiConfig;
  bus: Bus;
  logger: Logger;
  /** A singleton's lease (a bridge's: ProviderLeases) once held; absent for the others and on a single host. */
  singleton?: SingletonGuard;
}

/** What an actor kind contributes; the host does the rest. */
export interface ActorParts {
  machine: AnyStateMachine;
  input?: unknown;
  /** Called once the machine runs: subscribe, start timers. */
  start?: (actor: AnyActorRef) => void | Promise<void>;
  /** Called when draining, before the machine is stopped: unsubscribe, finish work. */
  stop?: () => void | Promise<void>;
  /** Sent to the machine when draining; the host waits for a final state (or the grace). */
  drainEvent?: EventObject;
  /** Extra control verbs beyond ping/restart/stop/snapshot. */
  control?: Record<string, (payload: Record<string, unknown>) => unknown>;
  /** Actors of the process outside the machine's system (the runner's pipeline breakers), by name, inspected with it. */
  inspectAlso?: Record<string, AnyActorRef>;
}

export interface ActorKind {
  description: string;
  create: (env: ActorEnvironment) => ActorParts | Promise<ActorParts>;
}

export type ExitReason = 'signal' | 'restart' | 'stop' | 'orphaned' | 'bus-closed';

const FAULTS_ENV = 'ROSHI_FAULTS';

/** Runs an actor until it is told to stop; resolves with the process exit code. */
export async function hostActor(name: string, kind: ActorKind, config: RoshiConfig, logger: Logger): Promise<number> {
  injectFaults(name);
  const state = new HostState();
  // Watch the lifeline first: a supervisor can die while this process still waits for NATS.
  watchLifeline(() => {
    if (state.phase === 'starting') {
      logger.warn('supervisor is gone before the actor was up; exiting');
      process.exit(0);
    }
    logger.warn('supervisor is gone; exiting');
    void shutdown('orphaned');
  });
  const build = readBuildInfo();
  const bus = await Bus.connect({
    ...config.nats,
    name: `${config.prefix}-${name}`,
    prefix: config.prefix,
    logger,
    requestTimeoutMs: config.nats.requestTimeout,
  });
  let running: AnyActorRef | undefined;
  const singleton = await openSingletonLease(name, config, bus, logger);
  const env: ActorEnvironment = { name, config, bus, logger, ...(singleton ? { singleton } : {}) };
  const heartbeat = new Heartbeat({
    actor: name,
    buildId: build.buildId,
    state: () => (running ? describeState(running) : 'standby'),
    ...(singleton ? { lease: () => singleton.role } : {}),
  });
  // A singleton works only once its lease is ours; stopped in standby, it never worked at all.
  const held = singleton
    ? await waitUntilActive(singleton, { bus, name, logger, heartbeat, config, buildId: build.buildId })
    : undefined;
  if (held === 'stopped') {
    state.advance('draining');
    state.advance('stopped');
    return 0;
  }
  const fence = held?.fence;
  const parts = await kind.create(env);
  const subjects = bus.subjects;

  // Records go out only while an inspector is attached (docs/observability.md#stately-inspector).
  const inspection = config.inspect.enabled ? busInspectionGate(name, () => bus) : undefined;
  const actor = createActor(parts.machine, {
    ...(parts.input === undefined ? {} : { input: parts.input }),
  });
  // An unhandled error inside the machine must end this process visibly, not silently wedge it:
  // the supervisor will see the exit and respawn.
  // A machine that reaches its final state on its own (a runner drained after its mission)
  // has nothing left to do: the process exits, and the supervisor starts a fresh one.
  actor.subscribe({
    next: (snapshot) => {
      if (snapshot.status === 'done') void shutdown('restart');
    },
    error: (error) => shutdown('stop', error),
  });
  actor.start();
  running = actor;
  if (inspection) {
    inspection.addRoot(actor);
    for (const [rootName, root] of Object.entries(parts.inspectAlso ?? {})) inspection.addRoot(root, rootName);
    listenForInspectors(bus, inspection);
  }

  let draining: Promise<number> | undefined;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  // The first of the forced exit and the finished drain decides the code.
  const exit = (code: number) => {
    state.advance('stopped');
    resolveExit(code);
  };

  function shutdown(reason: ExitReason, error?: unknown): Promise<number> {
    if (!state.advance('draining')) return draining ?? exited;
    draining = (async () => {
      if (error) logger.error({ err: error, reason }, 'actor failing');
      else logger.info({ reason }, 'actor draining');
      heartbeat.stop();
      // Orphaned, nobody will escalate for us: keep the promise of supervision.orphanTimeout.
      const graceMs = reason === 'orphaned' ? config.supervision.orphanTimeout : config.supervision.sigtermGrace;
      const force = setTimeout(() => {
        logger.warn({ reason }, 'drain took longer than the grace; exiting');
        exit(error ? 1 : 0);
      }, graceMs);
      force.unref();
      try {
        await parts.stop?.();
        if (parts.drainEvent) actor.send(parts.drainEvent);
        actor.stop();
        // Freed only now, after the last side effect, so a standby elsewhere takes over at once.
        fence?.lift();
        await singleton?.release().catch((releaseError) => logger.warn({ err: releaseError }, 'lease release failed'));
        await bus.drain();
      } catch (drainError) {
        logger.warn({ err: drainError }, 'drain failed');
      }
      clearTimeout(force);
      exit(error ? 1 : 0);
      return error ? 1 : 0;
    })();
    return draining;
  }

  const control: Record<string, (payload: Record<string, unknown>) => unknown> = {
    ping: (): PingReply => ({
      pong: true,
      actor: name,
      pid: process.pid,
      state: describeState(actor),
      buildId: build.buildId,
      bootId: heartbeat.bootId,
    }),
    snapshot: (): SnapshotReply => ({
      actor: name,
      state: describeState(actor),
      snapshot: actor.getPersistedSnapshot(),
    }),
    // Reply first, then drain: the acknowledgement is what tells the supervisor tier 1 worked.
    restart: (): AcceptedReply => {
      setImmediate(() => void shutdown('restart'));
      return { accepted: true, pid: process.pid };
    },
    stop: (): AcceptedReply => {
      setImmediate(() => void shutdown('stop'));
      return { accepted: true, pid: process.pid };
    },
    ...parts.control,
  };
  await registerService(bus, {
    name: `${config.prefix}-${name}`,
    version: '0.1.0',
    description: kind.description,
    metadata: { actor: name, pid: String(process.pid), buildId: build.buildId },
    endpoints: [
      {
        name: 'ctl',
        subject: subjects.control(name),
        handler: (payload) => {
          const verb = controlVerb(payload);
          const run = control[verb];
          if (!run)
            throw new BadRequestError(
              `unknown verb ${JSON.stringify(verb)}; known: ${Object.keys(control).join(', ')}`,
            );
          return run(payload);
        },
      },
    ],
  });

  await parts.start?.(actor);
  if (!heartbeat.running)
    heartbeat.start(config.heartbeat.interval, (beat) => bus.publish(subjects.heartbeat(name), beat));
  logger.info({ pid: process.pid, buildId: build.buildId, url: bus.url }, 'actor running');
  // Stays draining when a machine error or final state started the drain during start.
  state.advance('running');

  process.once('SIGTERM', () => void shutdown('signal'));
  process.once('SIGINT', () => void shutdown('signal'));
  void bus.nc.closed().then(() => void shutdown('bus-closed'));

  return exited;
}

export function describeState(actor: AnyActorRef): string {
  const value = (actor.getSnapshot() as { value?: unknown }).value;
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/**
 * Fault injection for tests and drills: ROSHI_FAULTS="chat:crash-on-start,bridge:crash-on-start".
 * Documented in docs/operations.md; a process without the variable is unaffected.
 */
function injectFaults(name: string): void {
  const faults = (process.env[FAULTS_ENV] ?? '').split(',').map((f) => f.trim());
  if (faults.includes(`${name}:crash-on-start`) || faults.includes(`${name.replace(/-\d+$/, '')}:crash-on-start`)) {
    throw new Error(`injected fault: ${name} crashes on start (${FAULTS_ENV})`);
  }
}
