// The supervisor process: hosts the supervisor machine and gives it hands. The parts, in the
// order they are put together: bootstrap (state dir, pid lock, the tree's bus), the process port
// (spawn, signal, ask), the bus endpoints (heartbeats, verdicts, status, restart, ctl), the
// self-watch (the watchdog and the embedded nats-server, an actor the machine invokes), heal
// persistence, and the lifecycle (stop in reverse order on SIGINT/SIGTERM; a second signal forces).
import { createActor, fromCallback } from 'xstate';
import type { HeartbeatRecord } from '../contracts/index.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { publishDurable } from '../bus/index.js';
import { checkClusterHolds } from '../bus/clusterCheck.js';
import { busInspectionGate, listenForInspectors } from '../inspect/gate.js';
import type { RoshiConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { Announcer } from './announcer.js';
import { bootstrap, connectSupervisorBus, retryJetStream } from './bootstrap.js';
import { watchHostDrain } from './drain.js';
import { serveEndpoints } from './endpoints.js';
import { loadHealStateActor, persistHealState } from './healPersistence.js';
import { holdStopSignals, superviseLifecycle } from './lifecycle.js';
import { reportJetStreamSync } from './jetstreamDurability.js';
import { createProcessPort } from './processPort.js';
import { guardRelease } from './releaseGuard.js';
import { startSelfWatch } from './selfWatch.js';
import { childInputs, NATS_CHILD, supervisorName } from './tree.js';
import { treeStatus } from './treeStatus.js';
import { treeView } from './treeView.js';

export interface SupervisorOptions {
  config: RoshiConfig;
  /** The user config file, handed to every child. */
  configFile?: string;
  logger: Logger;
}

export async function runSupervisor({ config, configFile, logger }: SupervisorOptions): Promise<number> {
  // Held until the lifecycle listens: a stop signal during set-up must not kill the process.
  const earlyStops = holdStopSignals();
  const boot = await bootstrap(config, configFile).catch((error: unknown) => {
    earlyStops.release();
    throw error;
  });
  const { embedded, treeBus, paths, buildId } = boot;
  const bus = connectSupervisorBus(config, treeBus, logger);
  const abandonStart = async () => {
    await bus.current()?.nc.close();
    boot.releaseLock();
    earlyStops.release();
  };
  // An external cluster that cannot hold nats.replicas: refuse to start (docs/scale-out.md#replicas).
  // One that does not answer is waited for; a stop signal meanwhile ends the wait and the process.
  if (!embedded) {
    const checked = retryJetStream(logger, () => checkClusterHolds(bus.ready, config.nats.replicas)).then(
      () => undefined,
    );
    const signal = await Promise.race([checked, earlyStops.signalled]).catch(async (error: unknown) => {
      await abandonStart();
      throw error;
    });
    if (signal) {
      logger.info({ reason: signal, url: treeBus.url }, 'stopped while waiting for the NATS system');
      await abandonStart();
      return 0;
    }
  }

  const announcer = new Announcer(
    {
      publishEvent: (event) => {
        const b = bus.current();
        b?.publish(b.subjects.supEvents, event);
      },
      sendAlert: (alert) => {
        void bus.ready
          .then((b) => publishDurable(b, b.subjects.bridgeOut, alert, alert.id))
          .catch((error: unknown) =>
            logger.warn({ err: error, alert: alert.text }, 'alert not delivered to the outbox'),
          );
      },
    },
    paths.journal,
    logger.child({ component: 'announcer' }),
    config.supervision.alertInterval,
  );

  const port = createProcessPort({
    config,
    nats: treeBus.nats,
    spawnOptions: boot.spawnOptions,
    actorSpawnOptions: boot.actorSpawnOptions,
    bus: bus.current,
    announcer,
  });
  const heartbeats = new Map<string, HeartbeatRecord>();

  // Covers the child-supervision machines too: they are this root's children.
  const inspection = config.inspect.enabled ? busInspectionGate(supervisorName(config), bus.current) : undefined;

  const root = createActor(
    supervisorMachine.provide({
      actors: {
        child: port.childMachine,
        loadHealState: loadHealStateActor(bus.stores, announcer),
        // Runs while the machine does; its cleanup ends both timers.
        selfWatch: fromCallback(() =>
          startSelfWatch({ config, embedded, tree, heartbeats, processes: port.processes, bus: bus.current }),
        ),
      },
      actions: {
        announceTree: (_, { kind, detail }) => {
          logger.info({ tree: kind }, detail);
          announcer.journal({ type: 'tree', kind, detail });
        },
      },
    }),
    {
      input: {
        children: childInputs(config, embedded),
        ...(embedded ? { stateStoreChild: NATS_CHILD } : {}),
        now: Date.now(),
      },
    },
  );
  const tree = treeView(root);
  const jetstreamSync = reportJetStreamSync(treeBus.jetstreamSync, embedded, bus.ready, logger);
  const status = () => {
    const view = treeStatus({
      tree,
      processes: port.processes,
      heartbeats,
      bus: bus.current,
      config,
      url: treeBus.url,
      embedded,
      startedAt: boot.startedAt,
      buildId,
    });
    return { ...view, nats: { ...view.nats, jetstreamSync: jetstreamSync() } };
  };

  persistHealState(root, bus.stores, logger);

  const unsubscribers: Array<() => void> = [
    guardRelease({ root, stateDir: config.stateDir, logger, journal: (entry) => announcer.journal(entry) }),
  ];
  const lifecycle = superviseLifecycle({
    root,
    logger,
    killAll: port.killAll,
    close: async () => {
      for (const unsubscribe of unsubscribers) unsubscribe();
      // The embedded server is gone by now: close rather than drain, which would wait to reconnect.
      await bus
        .current()
        ?.nc.close()
        .catch(() => undefined);
      root.stop();
      treeBus.forget();
      boot.releaseLock();
    },
  });
  // `roshi drain`: once this host's runners are idle, stop the tree and exit 0 (drain.ts).
  const children = () => status().children;
  unsubscribers.push(
    watchHostDrain({ host: config.host.id, bus: bus.ready, children, shutdown: lifecycle.shutdown, logger }),
  );

  void bus.ready.then((b) => {
    logger.info({ url: b.url }, 'connected to nats');
    const endpoints = serveEndpoints(b, { config, buildId, tree, heartbeats, status, shutdown: lifecycle.shutdown });
    unsubscribers.push(endpoints.unsubscribe);
    if (inspection) unsubscribers.push(listenForInspectors(b, inspection));
    return endpoints.registered;
  });

  logger.info(
    { stateDir: config.stateDir, nats: embedded ? 'embedded' : 'external', pid: process.pid, buildId },
    'supervisor starting',
  );
  root.start();
  inspection?.addRoot(root);
  const earlyStop = earlyStops.release();
  if (earlyStop) lifecycle.shutdown(earlyStop);
  return lifecycle.done;
}
