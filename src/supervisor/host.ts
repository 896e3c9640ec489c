// The supervisor process: hosts the supervisor machine and gives it hands. It spawns and signals
// the child processes, forwards heartbeats and watchdog verdicts to the child machines, watches
// the watchdog and the embedded nats-server itself, persists heal state, serves status and
// restart requests, and shuts the tree down in reverse order on SIGINT/SIGTERM (a second signal
// forces: SIGKILL to every child).
import { mkdirSync } from 'node:fs';
import { createActor, fromPromise, type AnyActorRef, type InspectionEvent } from 'xstate';
import * as ev from '../../machines/childEvents.js';
import { childSupervisionMachine } from '../../machines/childSupervision.js';
import { childStatus, persistedHealState, stateName, type ChildSnapshot } from '../../machines/childStatus.js';
import { assessLiveness, type HeartbeatRecord, type Verdict } from '../../machines/liveness.js';
import { supervisorMachine } from '../../machines/supervisor.js';
import { toHeartbeatRecord } from '../actors/heartbeat.js';
import { toInspectionRecord } from '../actors/inspection.js';
import { Bus, ensureOutbox, findNatsServer, JsonKv, probePort, publishDurable, registerService, type EmbeddedServerSpec } from '../bus/index.js';
import { SUPERVISOR_USER } from '../bus/permissions.js';
import { prepareTreeBus } from './busSetup.js';
import type { RoshiConfig } from '../config/index.js';
import { BadRequestError } from '../errors.js';
import type { Logger } from '../log.js';
import { diskBuildIdReader, readBuildInfo, statePaths } from '../paths.js';
import { isProcessAlive } from '../process.js';
import { TREE_STARTED_ENV } from '../missions/pauseService.js';
import { Announcer } from './announcer.js';
import { HealStore } from './healStore.js';
import { acquirePidLock } from './pidLock.js';
import { sendSignal, spawnActor, spawnNatsServer, type ChildProcess } from './processes.js';
import type { TreeStatus } from './status.js';
import { childInputs, NATS_CHILD } from './tree.js';

export interface SupervisorOptions {
  config: RoshiConfig;
  /** The user config file, handed to every child. */
  configFile?: string;
  logger: Logger;
}

export async function runSupervisor({ config, configFile, logger }: SupervisorOptions): Promise<number> {
  const startedAt = Date.now();
  const paths = statePaths(config.stateDir);
  mkdirSync(paths.root, { recursive: true });
  const build = readBuildInfo();

  const embedded = config.nats.url === '';
  // Checked before the lock is taken, so a missing binary leaves no pid file behind.
  const natsBinary = embedded ? findNatsServer(config.nats.embedded.binary) : undefined;
  const releaseLock = acquirePidLock(paths.root);
  const treeBus = await prepareTreeBus(config, paths.root, paths.nats, embedded ? natsBinary : undefined);
  const { nats, url, credentialOf, credentialEnv } = treeBus;

  const childEnv: Record<string, string> = {
    ROSHI_NATS__URL: url,
    ROSHI_STATE_DIR: config.stateDir,
    [TREE_STARTED_ENV]: String(startedAt),
    ...(configFile ? { ROSHI_CONFIG: configFile } : {}),
  };
  // `config` decides which of the supervisor's secrets each kind of child inherits (processes.ts).
  const spawnOptions = { logDir: paths.logs, env: childEnv, config };
  const actorSpawnOptions = (name: string) => ({ logDir: paths.logs, env: { ...childEnv, ...credentialEnv(name) }, config });

  // Connecting waits for the server: in embedded mode it resolves once the nats child is up.
  let bus: Bus | undefined;
  const busReady = Bus.connect({ ...config.nats, ...credentialOf(SUPERVISOR_USER), url, name: `${config.prefix}-supervisor`, prefix: config.prefix, logger, requestTimeoutMs: config.nats.requestTimeout }).then((b) => (bus = b));
  const stores = busReady.then(async (b) => {
    await ensureOutbox(b);
    return new HealStore(await JsonKv.open(b, b.subjects.stateBucket), logger);
  });
  stores.catch((error: unknown) => logger.error({ err: error }, 'could not create JetStream assets'));

  const announcer = new Announcer(
    {
      publishEvent: (event) => bus?.publish(bus.subjects.supEvents, event),
      sendAlert: (alert) => {
        void busReady
          .then((b) => publishDurable(b, b.subjects.bridgeOut, alert, alert.id))
          .catch((error: unknown) => logger.warn({ err: error, alert: alert.text }, 'alert not delivered to the outbox'));
      },
    },
    paths.journal,
    logger.child({ component: 'announcer' }),
    config.supervision.alertInterval,
  );

  const processes = new Map<string, ChildProcess>();
  const heartbeats = new Map<string, HeartbeatRecord>();

  const spawn = (name: string, self: AnyActorRef) => {
    let child: ChildProcess;
    try {
      child = name === NATS_CHILD && nats ? spawnNatsServer(nats.binary, nats.args, spawnOptions) : spawnActor(name, [], actorSpawnOptions(name));
    } catch (error) {
      self.send(ev.spawnFailed((error as Error).message, Date.now(), Math.random()));
      return;
    }
    processes.set(name, child);
    self.send(ev.processStarted(child.pid, Date.now()));
    void child.exited.then(({ code, signal }) => {
      if (processes.get(name) === child) processes.delete(name);
      self.send(ev.processExited(child.pid, code, signal, Date.now(), Math.random()));
    });
    if (name === NATS_CHILD && nats) void announceWhenListening(nats, child, self);
  };

  const askActor = (name: string, verb: 'restart' | 'stop', pid: number, self: AnyActorRef) => {
    const b = bus;
    if (!b) return void setImmediate(() => self.send(ev.restartUnanswered(pid, 'bus not connected', Date.now())));
    b.request<{ deferred?: boolean }>(b.subjects.control(name), { verb }, config.supervision.ackTimeout).then(
      (reply) => self.send(ev.restartAcked(pid, Date.now(), reply?.deferred === true)),
      (error: Error) => self.send(ev.restartUnanswered(pid, error.message, Date.now())),
    );
  };

  const childMachine = childSupervisionMachine.provide({
    actions: {
      // Side effects run after the transition completes, so the events they send come back in order.
      spawnProcess: ({ context, self }) => void setImmediate(() => spawn(context.name, self)),
      requestRestart: ({ context, self }, { pid }) => askActor(context.name, 'restart', pid, self),
      requestStop: ({ context, self }, { pid }) => askActor(context.name, 'stop', pid, self),
      signalProcess: (_, { pid, signal }) => {
        if (pid !== undefined) sendSignal(pid, signal);
      },
      announce: ({ context }, params) => announcer.announce({ child: context.name, ...params }),
    },
  });

  const inspect = config.inspect.enabled
    ? (event: InspectionEvent) => {
        const record = bus && toInspectionRecord('supervisor', event);
        if (record && bus) bus.publish(bus.subjects.inspect('supervisor'), record);
      }
    : undefined;

  const root = createActor(
    supervisorMachine.provide({
      actors: {
        child: childMachine,
        loadHealState: fromPromise(async ({ input }: { input: { names: string[] } }) => ({
          states: await (await stores).loadAll(input.names),
          at: Date.now(),
        })),
      },
      actions: {
        announceTree: (_, { kind, detail }) => {
          logger.info({ tree: kind }, detail);
          announcer.journal({ type: 'tree', kind, detail });
        },
      },
    }),
    {
      input: { children: childInputs(config, embedded), ...(embedded ? { stateStoreChild: NATS_CHILD } : {}), now: Date.now() },
      ...(inspect ? { inspect } : {}),
    },
  );

  const childRef = (name: string) => root.system.get(name) as AnyActorRef | undefined;
  const childSnapshots = (): ChildSnapshot[] =>
    Object.values(root.getSnapshot().children as Record<string, AnyActorRef>).map((ref) => ref.getSnapshot() as ChildSnapshot);

  persistHealState(root, stores, logger);

  // ---- wiring to the bus, once it is up ------------------------------------------------------
  const unsubscribers: Array<() => void> = [];
  void busReady.then(async (b) => {
    logger.info({ url: b.url }, 'connected to nats');
    unsubscribers.push(
      b.subscribe(b.subjects.heartbeatAll, (payload, subject) => {
        const record = toHeartbeatRecord(payload, Date.now());
        // An actor may publish only its own heartbeat subject, so the subject names the sender.
        if (!record || record.actor !== b.subjects.heartbeatActor(subject)) return;
        heartbeats.set(record.actor, record);
        // Only when the child machine would act on it (starting, a tier, half-open): a running
        // child's heartbeats are the watchdog's business, and forwarding them all costs CPU.
        const child = childRef(record.actor);
        const event = ev.heartbeat(record.pid, record.bootId, record.receivedAt);
        if (child && (child.getSnapshot() as ChildSnapshot).can(event)) child.send(event);
      }),
      b.subscribe(b.subjects.watchdogVerdict, (payload) => {
        const verdict = payload as unknown as Verdict;
        if (typeof verdict.actor !== 'string' || typeof verdict.pid !== 'number' || typeof verdict.verdict !== 'string') return;
        if (verdict.actor === 'watchdog') return; // the supervisor judges the watchdog itself
        childRef(verdict.actor)?.send(ev.verdict({ ...verdict, at: Date.now() }));
      }),
    );
    b.serve(b.subjects.supStatus, () => status());
    b.serve(b.subjects.supRestart, (payload) => {
      const actor = payload.actor;
      if (actor === NATS_CHILD) {
        throw new BadRequestError('the embedded nats-server restarts with the supervisor; restart the supervisor instead');
      }
      if (typeof actor !== 'string' || !childRef(actor)) {
        throw new BadRequestError(`unknown actor ${JSON.stringify(actor)}; known: ${childSnapshots().map((s) => s.context.name).join(', ')}`);
      }
      const snapshot = childRef(actor)!.getSnapshot() as ChildSnapshot;
      const circuit = childStatus(snapshot).circuit;
      root.send(
        circuit === 'closed'
          ? { type: 'RESTART_CHILD', child: actor, reason: `requested by ${String(payload.by ?? 'operator')}`, at: Date.now() }
          : { type: 'RESET_CIRCUIT', child: actor, at: Date.now() },
      );
      return { accepted: true, actor, from: stateName(snapshot), circuitReset: circuit !== 'closed' };
    });
    await registerService(b, {
      name: `${config.prefix}-supervisor`,
      version: '0.1.0',
      description: 'roots the roshi supervision tree',
      metadata: { actor: 'supervisor', pid: String(process.pid), buildId: build.buildId },
      endpoints: [
        {
          name: 'ctl',
          subject: b.subjects.control('supervisor'),
          handler: (payload) => {
            if (payload.verb === 'ping') return { pong: true, actor: 'supervisor', pid: process.pid };
            if (payload.verb === 'stop') return void setImmediate(() => shutdown('ctl stop')), { accepted: true };
            throw new BadRequestError('known verbs: ping, stop');
          },
        },
      ],
    });
  });

  // ---- who watches the watchdog, and the embedded server ---------------------------------------
  const liveness = { staleAfterMs: config.watchdog.staleAfter, maxLoopLagMs: config.watchdog.maxLoopLag };
  const diskBuildId = diskBuildIdReader();
  const watchWatchdog = setInterval(() => {
    const hb = heartbeats.get('watchdog');
    if (!hb) return;
    const verdict = assessLiveness(hb, { now: Date.now(), processAlive: isProcessAlive(hb.pid), diskBuildId: diskBuildId() }, liveness);
    if (verdict.verdict !== 'healthy') childRef('watchdog')?.send(ev.verdict(verdict));
  }, config.watchdog.checkInterval);
  let natsSilentSince: number | undefined;
  const watchNats = setInterval(() => {
    const child = processes.get(NATS_CHILD);
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
          childRef(NATS_CHILD)?.send(ev.verdict({ actor: NATS_CHILD, verdict: 'stale', pid: child.pid, bootId: `nats-${child.pid}`, evidence: `no round trip for ${now - natsSilentSince} ms`, at: now }));
        }
      },
    );
  }, config.heartbeat.interval);

  function status(): TreeStatus {
    const snap = root.getSnapshot();
    return {
      supervisor: { pid: process.pid, state: JSON.stringify(snap.value).replace(/"/g, ''), uptimeMs: Date.now() - startedAt, buildId: build.buildId, stateDir: config.stateDir },
      nats: { url: bus?.url ?? url.replace(/\/\/[^@/]*@/g, '//[redacted]@'), embedded, connected: bus !== undefined && !bus.isClosed() },
      children: childSnapshots().map((child) => {
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

  // ---- lifecycle ------------------------------------------------------------------------------
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  let stopRequestedAt: number | undefined;

  function shutdown(reason: string): void {
    // A signal sent to the whole process group (timeout(1), some service managers) can arrive
    // twice at once; only a second request a moment later means "force".
    if (stopRequestedAt !== undefined && Date.now() - stopRequestedAt < 1000) return;
    if (stopRequestedAt !== undefined) {
      logger.warn({ reason }, 'second stop request: killing every child now');
      for (const child of processes.values()) sendSignal(child.pid, 'SIGKILL');
      void finish(1);
      return;
    }
    stopRequestedAt = Date.now();
    logger.info({ reason }, 'stopping the tree');
    root.send({ type: 'STOP', at: Date.now() });
  }

  async function finish(code: number): Promise<void> {
    clearInterval(watchWatchdog);
    clearInterval(watchNats);
    for (const unsubscribe of unsubscribers) unsubscribe();
    // The embedded server is gone by now: close rather than drain, which would wait to reconnect.
    await bus?.nc.close().catch(() => undefined);
    root.stop();
    treeBus.forget();
    releaseLock();
    resolveDone(code);
  }

  root.subscribe({
    next: (snapshot) => {
      if (snapshot.status === 'done') void finish(0);
    },
    error: (error) => {
      logger.fatal({ err: error }, 'supervisor machine failed; killing children');
      for (const child of processes.values()) sendSignal(child.pid, 'SIGKILL');
      void finish(70);
    },
  });
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  logger.info({ stateDir: config.stateDir, nats: embedded ? 'embedded' : 'external', pid: process.pid, buildId: build.buildId }, 'supervisor starting');
  root.start();
  return done;
}

/** Waits until the embedded server accepts connections, then reports it as the child's first heartbeat. */
async function announceWhenListening(spec: EmbeddedServerSpec, child: ChildProcess, self: AnyActorRef): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!exited) {
    if (await probePort(spec.host, spec.port, 200)) {
      self.send(ev.heartbeat(child.pid, `nats-${child.pid}`, Date.now()));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Writes each child's heal state to KV whenever it changes (never for nats: it holds the store). */
function persistHealState(root: AnyActorRef, stores: Promise<HealStore>, logger: Logger): void {
  const last = new Map<string, string>();
  const watched = new Set<string>();
  root.subscribe(() => {
    const children = (root.getSnapshot() as { children: Record<string, AnyActorRef> }).children;
    for (const [name, ref] of Object.entries(children)) {
      if (watched.has(name) || name === NATS_CHILD) continue;
      watched.add(name);
      ref.subscribe({
        next: (snapshot: ChildSnapshot) => {
        if (snapshot.status !== 'active') return;
        // Stopping the tree is not a heal event: an open circuit must still be open next start.
        const current = stateName(snapshot);
        if (current === 'stopped' || current.startsWith('stopping')) return;
        const state = persistedHealState(snapshot);
        const json = JSON.stringify(state);
        if (last.get(name) === json) return;
        last.set(name, json);
        void stores.then((store) => store.save(name, state)).catch((error: unknown) => logger.warn({ err: error, child: name }, 'heal state not persisted'));
        },
        error: (error: unknown) => logger.error({ err: error, child: name }, 'child supervision machine failed'),
      });
    }
  });
}

