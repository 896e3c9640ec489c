// A real 3-node nats-server cluster on loopback: three processes, each with its own client,
// route and monitoring port and its own JetStream store, the authorization of roshi's bus
// (permissions.ts, as the embedded server writes it) and route credentials. It waits for the
// JetStream meta group to elect a leader, can SIGKILL, SIGSTOP/SIGCONT and restart one node on
// its store, and stops everything it started. docs/scale-out.md#a-three-node-cluster
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { Bus } from '../../src/bus/bus.js';
import { newSecret, withPasswords } from '../../src/bus/credentials.js';
import { findNatsServer, freePort, natsServerConfig, type EmbeddedUser } from '../../src/bus/embedded-server.js';
import { natsUsers, OPERATOR_USER } from '../../src/bus/permissions.js';
import { silentLogger } from '../../src/log.js';
import { until } from './until.js';

export interface ClusterNode {
  readonly name: string;
  readonly clientPort: number;
  readonly routePort: number;
  readonly httpPort: number;
  readonly url: string;
  /** The running process's pid, or undefined while the node is down. */
  readonly pid: number | undefined;
}

export interface NatsCluster {
  readonly nodes: readonly ClusterNode[];
  /** Every node's client URL, comma-separated (as nats.url takes them). */
  readonly url: string;
  readonly prefix: string;
  /** Each user of roshi's bus with its password (the operator may do anything). */
  readonly users: readonly EmbeddedUser[];
  credentialOf: (user: string) => { user: string; password: string };
  /** A Bus on the whole cluster as `user` (the operator by default); drained by stop(). */
  connect: (name: string, options?: { user?: string; replicas?: number }) => Promise<Bus>;
  /** The meta leader's server name, once every running node agrees on one. */
  waitForMetaLeader: () => Promise<string>;
  kill: (index: number) => Promise<void>;
  pause: (index: number) => void;
  resume: (index: number) => void;
  /** Starts a killed node again on its store, and waits until it is back in the meta group. */
  restart: (index: number) => Promise<void>;
  stop: () => Promise<void>;
}

export interface ClusterOptions {
  size?: number;
  prefix?: string;
  /** The actors whose users the authorization block holds (besides supervisor and operator). */
  actors?: readonly string[];
  /**
   * `no_advertise` in each node's `cluster {}`: a client learns no other node's address from the
   * cluster (INFO's connect_urls), so it reconnects only to the URLs it was given. A test that puts
   * a relay in front of each node (tests/e2e/hostCut.test.ts) needs it: otherwise the client adds
   * the nodes' real ports to its pool and reconnects around a cut relay.
   */
  noAdvertise?: boolean;
}

interface NodeProcess {
  process: ResultPromise | undefined;
  output: string;
}

const CLUSTER_NAME = 'roshi-test';

export async function startNatsCluster(options: ClusterOptions = {}): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const prefix = options.prefix ?? 'roshi';
  const binary = findNatsServer('');
  const dir = mkdtempSync(join(tmpdir(), 'roshi-cluster-'));
  const users = withPasswords(natsUsers(prefix, options.actors ?? ['missions', 'runner-1', 'runner-2', 'bridge']));
  const route = { user: 'route', password: newSecret() };
  const nodes: Array<ClusterNode & { pid: number | undefined; configFile: string }> = [];
  // Nine ports asked one at a time can repeat (the kernel may hand a just-released port out
  // again), and a node that cannot bind dies: ask until every port is distinct.
  const taken = new Set<number>();
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort('127.0.0.1');
      if (!taken.has(port)) return (taken.add(port), port);
    }
  };
  for (let i = 0; i < size; i++) {
    const [clientPort, routePort, httpPort] = [await distinctPort(), await distinctPort(), await distinctPort()];
    const name = `n${i + 1}`;
    nodes.push({
      name,
      clientPort,
      routePort,
      httpPort,
      url: `nats://127.0.0.1:${clientPort}`,
      pid: undefined,
      configFile: join(dir, `${name}.conf`),
    });
  }
  for (const node of nodes) {
    const store = join(dir, node.name);
    mkdirSync(store);
    const config = JSON.parse(
      natsServerConfig({ listen: `127.0.0.1:${node.clientPort}`, serverName: node.name, storeDir: store, users }),
    ) as Record<string, unknown>;
    config.http = `127.0.0.1:${node.httpPort}`;
    config.cluster = {
      name: CLUSTER_NAME,
      listen: `127.0.0.1:${node.routePort}`,
      authorization: route,
      routes: nodes
        .filter((other) => other !== node)
        .map((other) => `nats-route://${route.user}:${route.password}@127.0.0.1:${other.routePort}`),
      ...(options.noAdvertise ? { no_advertise: true } : {}),
    };
    writeFileSync(node.configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }
  const processes: NodeProcess[] = nodes.map(() => ({ process: undefined, output: '' }));
  const buses: Bus[] = [];

  const spawnNode = (index: number) => {
    const node = nodes[index]!;
    const entry = processes[index]!;
    const child = execa(binary, ['-c', node.configFile], { reject: false, all: true, buffer: false });
    child.all?.on('data', (chunk: Buffer) => (entry.output = (entry.output + chunk.toString()).slice(-20_000)));
    entry.process = child;
    node.pid = child.pid;
  };
  const logs = () => processes.map((p, i) => `--- ${nodes[i]!.name}\n${p.output.slice(-1500)}`).join('\n');
  const jsz = async (index: number): Promise<{ leader?: string; size?: number } | undefined> => {
    try {
      const response = await fetch(`http://127.0.0.1:${nodes[index]!.httpPort}/jsz`, {
        signal: AbortSignal.timeout(1000),
      });
      const body = (await response.json()) as { meta_cluster?: { leader?: string; cluster_size?: number } };
      return { leader: body.meta_cluster?.leader, size: body.meta_cluster?.cluster_size };
    } catch {
      return undefined;
    }
  };
  const running = () => nodes.map((_, i) => i).filter((i) => processes[i]!.process !== undefined);
  const waitForMetaLeader = async (): Promise<string> =>
    until(
      async () => {
        const views = await Promise.all(running().map(jsz));
        const leader = views[0]?.leader;
        return leader && views.every((v) => v?.leader === leader && v.size === size) ? leader : undefined;
      },
      'a JetStream meta leader every running node agrees on',
      { timeoutMs: 30_000, intervalMs: 100, detail: logs },
    );
  const exitOf = async (index: number, signal: NodeJS.Signals) => {
    const child = processes[index]!.process;
    if (!child) return;
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    await child;
    processes[index]!.process = undefined;
    nodes[index]!.pid = undefined;
  };

  for (let i = 0; i < size; i++) spawnNode(i);
  const cluster: NatsCluster = {
    nodes,
    url: nodes.map((n) => n.url).join(','),
    prefix,
    users,
    credentialOf: (user) => {
      const found = users.find((u) => u.user === user);
      if (!found) throw new Error(`natsCluster: no user ${user}`);
      return { user, password: found.password };
    },
    connect: async (name, connectOptions = {}) => {
      const bus = await Bus.connect({
        url: cluster.url,
        ...cluster.credentialOf(connectOptions.user ?? OPERATOR_USER),
        name,
        prefix,
        logger: silentLogger(),
        requestTimeoutMs: 5_000,
        ...(connectOptions.replicas ? { replicas: connectOptions.replicas } : {}),
      });
      buses.push(bus);
      return bus;
    },
    waitForMetaLeader,
    kill: (index) => exitOf(index, 'SIGKILL'),
    pause: (index) => void processes[index]!.process?.kill('SIGSTOP'),
    resume: (index) => void processes[index]!.process?.kill('SIGCONT'),
    restart: async (index) => {
      if (processes[index]!.process) throw new Error(`natsCluster: ${nodes[index]!.name} is still running`);
      spawnNode(index);
      await waitForMetaLeader();
    },
    stop: async () => {
      for (const bus of buses.splice(0)) await bus.nc.close().catch(() => {});
      await Promise.all(nodes.map((_, i) => exitOf(i, 'SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForMetaLeader();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * Starts a cluster, once more on fresh ports when a node could not bind one: another test file's
 * process can take a free port between our probe and the node's bind.
 */
async function startNatsClusterRetrying(options: ClusterOptions): Promise<NatsCluster> {
  try {
    return await startNatsCluster(options);
  } catch (error) {
    if (!/address already in use/.test(String(error))) throw error;
    return startNatsCluster(options);
  }
}

/** A cluster for the whole test file: started in beforeAll, stopped in afterAll (call it first). */
export function useNatsCluster(options: ClusterOptions = {}): { readonly cluster: NatsCluster } {
  let cluster: NatsCluster | undefined;
  beforeAll(async () => {
    cluster = await startNatsClusterRetrying(options);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('useNatsCluster: the cluster is not started yet');
      return cluster;
    },
  };
}
