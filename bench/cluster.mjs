// A 3-node nats-server cluster on loopback for the scale-out benchmarks (docs/scale-out.md): each
// node its own client, route and monitoring port and JetStream store, no authorization (the
// benchmarks measure fail-over, not permissions). The tests' harness (tests/harness/natsCluster.ts)
// is the same shape with roshi's users; this one is plain JavaScript for `node bench/…`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, StringCodec } from 'nats';
import { onCleanup, ROOT, sleep, spawnMarked, stopChild } from './lib.mjs';

const { findNatsServer, freePort } = await import(join(ROOT, 'dist', 'src', 'bus', 'index.js'));

/** `size` nodes under `dir`, started; resolves once every node agrees on a JetStream meta leader. */
export async function startBenchCluster(dir, size = 3) {
  const binary = findNatsServer('');
  const taken = new Set();
  const port = async () => {
    for (;;) {
      const p = await freePort('127.0.0.1');
      if (taken.has(p)) continue;
      taken.add(p);
      return p;
    }
  };
  const nodes = [];
  for (let i = 0; i < size; i++)
    nodes.push({ name: `n${i + 1}`, client: await port(), route: await port(), http: await port(), child: undefined });
  for (const node of nodes) {
    const store = join(dir, node.name);
    mkdirSync(store, { recursive: true });
    node.configFile = join(dir, `${node.name}.conf`);
    const config = {
      listen: `127.0.0.1:${node.client}`,
      server_name: node.name,
      http: `127.0.0.1:${node.http}`,
      jetstream: { store_dir: store },
      cluster: {
        name: 'roshi-bench',
        listen: `127.0.0.1:${node.route}`,
        routes: nodes.filter((o) => o !== node).map((o) => `nats-route://127.0.0.1:${o.route}`),
      },
    };
    writeFileSync(node.configFile, JSON.stringify(config, null, 2));
  }
  const spawnNode = (node) => {
    node.child = spawnMarked(binary, ['-c', node.configFile]);
  };
  const jsz = async (node) => {
    try {
      const response = await fetch(`http://127.0.0.1:${node.http}/jsz`, { signal: AbortSignal.timeout(1000) });
      return (await response.json()).meta_cluster;
    } catch {
      return undefined;
    }
  };
  const waitForMetaLeader = async () => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(100)) {
      const views = await Promise.all(nodes.filter((n) => n.child).map(jsz));
      const leader = views[0]?.leader;
      if (leader && views.every((v) => v?.leader === leader && v.cluster_size === size)) return leader;
    }
    throw new Error('the cluster elected no JetStream meta leader within 60 s');
  };
  for (const node of nodes) spawnNode(node);
  onCleanup(async () => {
    for (const node of nodes) if (node.child) await stopChild(node.child);
  });
  await waitForMetaLeader();
  return {
    nodes,
    url: nodes.map((n) => `nats://127.0.0.1:${n.client}`).join(','),
    /** SIGKILL the node named `name` (n1…). */
    kill: async (name) => {
      const node = nodes.find((n) => n.name === name);
      node.child.kill('SIGKILL');
      await node.child.exitedPromise;
      node.child = undefined;
    },
    /** Starts a killed node again on its store and waits until it is back in the meta group. */
    restart: async (name) => {
      spawnNode(nodes.find((n) => n.name === name));
      await waitForMetaLeader();
    },
  };
}

const sc = StringCodec();

/**
 * A plain client of the cluster (which has no authorization): `request` as Tree.request (roshi's
 * `{ok, data}` replies), `nc` for subscriptions, `output` for error messages (MissionWatcher).
 */
export async function clusterClient(url, output = () => '') {
  const nc = await connect({ servers: url.split(','), name: 'bench', maxReconnectAttempts: -1, timeout: 5_000 });
  onCleanup(() => nc.close().catch(() => undefined));
  return {
    nc,
    output,
    async request(subject, payload = {}, timeout = 2_000) {
      const msg = await nc.request(subject, sc.encode(JSON.stringify(payload)), { timeout });
      const reply = JSON.parse(sc.decode(msg.data));
      if (reply.ok !== true) throw new Error(`${subject}: ${JSON.stringify(reply.error ?? reply)}`);
      return reply.data;
    },
  };
}
