// What the supervisor sets up before its machine runs: the state directory, the pid lock, the
// tree's bus (embedded server spec, users and passwords), every child's environment, and the
// supervisor's own connection with the JetStream assets it needs.
import { mkdirSync } from 'node:fs';
import { Bus, ensureOutbox, findNatsServer, JsonKv } from '../bus/index.js';
import type { RoshiConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { TREE_STARTED_ENV } from '../missions/pauseService.js';
import { readBuildInfo, statePaths } from '../paths.js';
import { sleep } from '../time/sleep.js';
import { prepareTreeBus, type TreeBus } from './busSetup.js';
import { HealStore } from './healStore.js';
import { acquirePidLock } from './pidLock.js';
import { supervisorName } from './tree.js';
import type { SpawnOptions } from './processes.js';

export interface Bootstrap {
  startedAt: number;
  paths: ReturnType<typeof statePaths>;
  buildId: string;
  /** nats.url is "": the tree runs its own nats-server as the `nats` child. */
  embedded: boolean;
  releaseLock: () => void;
  treeBus: TreeBus;
  /** Spawn options of the nats child, and of an actor (with its own bus credential). */
  spawnOptions: SpawnOptions;
  actorSpawnOptions: (name: string) => SpawnOptions;
}

export async function bootstrap(config: RoshiConfig, configFile: string | undefined): Promise<Bootstrap> {
  const startedAt = Date.now();
  const paths = statePaths(config.stateDir);
  mkdirSync(paths.root, { recursive: true });
  const build = readBuildInfo();

  const embedded = config.nats.url === '';
  // Checked before the lock is taken, so a missing binary leaves no pid file behind.
  const natsBinary = embedded ? findNatsServer(config.nats.embedded.binary) : undefined;
  const releaseLock = acquirePidLock(paths.root);
  const treeBus = await prepareTreeBus(config, paths.root, paths.nats, embedded ? natsBinary : undefined);

  const childEnv: Record<string, string> = {
    ROSHI_NATS__URL: treeBus.url,
    ROSHI_STATE_DIR: config.stateDir,
    [TREE_STARTED_ENV]: String(startedAt),
    ...(configFile ? { ROSHI_CONFIG: configFile } : {}),
  };
  // `config` decides which of the supervisor's secrets each kind of child inherits (processes.ts).
  return {
    startedAt,
    paths,
    buildId: build.buildId,
    embedded,
    releaseLock,
    treeBus,
    spawnOptions: { logDir: paths.logs, env: childEnv, config },
    actorSpawnOptions: (name) => ({ logDir: paths.logs, env: { ...childEnv, ...treeBus.credentialEnv(name) }, config }),
  };
}

const ASSET_ATTEMPTS = 5;
const ASSET_RETRY_MS = 1_000;

/**
 * On a cluster a stream's creation or update waits for its replicas (and a leader); on a loaded
 * host that can outlast the JetStream API's timeout once. A timeout is tried again a few times;
 * any other error (a refusal, a ReplicasError) is final at once.
 */
export async function retryJetStream<T>(logger: Logger, create: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      const timedOut = (error as { code?: unknown }).code === 'TIMEOUT';
      if (!timedOut || attempt >= ASSET_ATTEMPTS) throw error;
      logger.warn({ err: error, attempt }, 'JetStream did not answer in time; trying again');
      await sleep(ASSET_RETRY_MS);
    }
  }
}

export interface SupervisorBus {
  /** Resolves once connected; in embedded mode that is once the nats child is up. */
  ready: Promise<Bus>;
  /** The connection, or undefined while still connecting. */
  current: () => Bus | undefined;
  /** The heal-state store, once the JetStream assets exist. */
  stores: Promise<HealStore>;
}

export function connectSupervisorBus(config: RoshiConfig, treeBus: TreeBus, logger: Logger): SupervisorBus {
  let bus: Bus | undefined;
  const ready = Bus.connect({
    ...config.nats,
    ...treeBus.credentialOf(supervisorName(config)),
    url: treeBus.url,
    name: `${config.prefix}-${supervisorName(config)}`,
    prefix: config.prefix,
    logger,
    requestTimeoutMs: config.nats.requestTimeout,
  }).then((b) => (bus = b));
  const stores = ready.then((b) =>
    retryJetStream(logger, async () => {
      await ensureOutbox(b);
      return new HealStore(await JsonKv.open(b, b.subjects.stateBucket), logger);
    }),
  );
  stores.catch((error: unknown) => logger.error({ err: error }, 'could not create JetStream assets'));
  return { ready, current: () => bus, stores };
}
