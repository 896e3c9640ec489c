// Singleton fail-over on the 3-node cluster (docs/scale-out.md#singleton-leases): the missions
// actors of hosts h1 and h2 (from dist/, own configs, own bus users, nats.replicas 3) share one
// R3 lease. Only the holder serves the missions API; SIGKILL of the holder's process hands the
// lease to the other within 2 × leaseTtl, and the missions added before are all still there,
// each once. Needs `npm run -s build` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import type { Mission } from '../../src/contracts/index.js';
import {
  startHostActor,
  stopHostActor,
  watchHeartbeats,
  writeHostConfig,
  type HostActor,
} from '../harness/hostActors.js';
import { useNatsCluster } from '../harness/natsCluster.js';
import { until } from '../harness/until.js';

const TTL_MS = 3_000;
const fixture = useNatsCluster({ actors: ['h1-missions', 'h2-missions'] });

let dir: string;
let bus: Bus;
let heartbeats: ReturnType<typeof watchHeartbeats>;
const actors: HostActor[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-singleton-cluster-'));
  bus = await fixture.cluster.connect('singleton-cluster-test', { replicas: 3 });
  heartbeats = watchHeartbeats(bus);
});

afterAll(async () => {
  heartbeats?.stop();
  for (const actor of actors) await stopHostActor(actor);
  rmSync(dir, { recursive: true, force: true });
});

function start(host: 'h1' | 'h2'): HostActor {
  const name = `${host}-missions`;
  const config = writeHostConfig(dir, host, {
    nats: { url: fixture.cluster.url, replicas: 3 },
    heartbeat: { interval: '200ms' },
    supervision: { leaseTtl: `${TTL_MS}ms` },
    projects: { app: { path: dir } },
  });
  const { user, password } = fixture.cluster.credentialOf(name);
  const actor = startHostActor(name, config, join(dir, 'logs'), {
    ROSHI_NATS__USER: user,
    ROSHI_NATS__PASSWORD: password,
  });
  actors.push(actor);
  return actor;
}

function roleOf(actor: HostActor, role: 'standby' | 'active', timeoutMs = 30_000) {
  return until(
    () => {
      const beat = heartbeats.latest.get(actor.name);
      return beat?.pid === actor.pid && beat.lease === role ? beat : undefined;
    },
    `${actor.name} (pid ${actor.pid}) ${role}`,
    { timeoutMs, intervalMs: 20, detail: () => actor.log().slice(-3000) },
  );
}

const list = () => bus.request<{ missions: Mission[] } | Mission[]>(bus.subjects.missions('list'), {}, 5_000);
const ids = (reply: { missions: Mission[] } | Mission[]) =>
  (Array.isArray(reply) ? reply : reply.missions).map((m) => m.id).sort();

describe('the missions singleton on a 3-node cluster', () => {
  let h1: HostActor;
  let h2: HostActor;
  const added: string[] = [];

  it('one host serves the missions API, the other waits', async () => {
    h1 = start('h1');
    await roleOf(h1, 'active');
    h2 = start('h2');
    await roleOf(h2, 'standby');
    await until(() => list().catch(() => undefined), 'the missions API answering from h1', { timeoutMs: 20_000 });
    for (const text of ['first', 'second', 'third']) {
      const mission = await bus.request<Mission>(bus.subjects.missions('add'), { text, source: 'nats' }, 5_000);
      added.push(mission.id);
    }
    expect(ids(await list())).toEqual([...added].sort());
    await roleOf(h2, 'standby'); // still, after the work
  });

  it('SIGKILL of the holder: the other host takes over within 2 × leaseTtl, with every mission once', async () => {
    h1.child.kill('SIGKILL');
    const killedAt = Date.now();
    await h1.exited;
    await roleOf(h2, 'active', 2 * TTL_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * TTL_MS);
    const after = await until(() => list().catch(() => undefined), 'the missions API answering from h2', {
      timeoutMs: 20_000,
    });
    expect(ids(after)).toEqual([...added].sort());
    for (const actor of actors) expect(actor.log()).not.toMatch(/permissions? violation|nats refused/i);
  });
});
