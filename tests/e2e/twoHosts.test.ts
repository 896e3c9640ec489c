// Two supervisors as two hosts on a real 3-node NATS cluster (docs/scale-out.md#hosts-and-names):
// h1 a full host with one runner, h2 a worker host (watchdog and two runners), each with its own
// state dir and host id, the real agent CLI against the scripted Messages API. Missions spread
// over both hosts' runners and each runs once, also across the SIGKILL of a NATS node; `roshi
// status` shows both hosts; only the owning supervisor answers a restart; each host's watchdog
// heals its own children; nothing is left running.
import { describe, expect, it } from 'vitest';
import type { Mission } from '../../src/contracts/index.js';
import { writeFileStep } from '../fakes/anthropic.js';
import { systemStatus, WORKER_HOST } from '../harness/hostTrees.js';
import { addMission, finished, getMission } from '../harness/missionClient.js';
import { sleep } from '../harness/tree.js';
import { useTwoHosts } from '../harness/twoHosts.js';
import { until } from '../harness/until.js';

const H1 = ['h1-watchdog', 'h1-missions', 'h1-bridge', 'h1-runner-1'];
const H2 = ['h2-watchdog', 'h2-runner-1', 'h2-runner-2'];
const MISSIONS = 6;

describe('two hosts on one NATS cluster', () => {
  /** Agent runs per mission marker: the scripted API sees each run's first request once. */
  const runs = new Map<string, number>();
  const rig = useTwoHosts({
    actors: { h1: H1, h2: H2 },
    scenarios: (world) => {
      for (let i = 1; i <= MISSIONS; i++) {
        const marker = `spread-${i}`;
        // Long enough that the three runners hold missions at once, and a node dies under them.
        world.scenarios.set(marker, ({ toolResults }) => {
          if (toolResults === 0) runs.set(marker, (runs.get(marker) ?? 0) + 1);
          return toolResults === 0
            ? { toolUse: { name: 'Bash', input: { command: 'sleep 3', description: 'think' } } }
            : writeFileStep(`spread-${i}.txt`, `mission ${i}`, toolResults - 1);
        });
      }
    },
    // h1 runs what the mission world runs, and the bridge (console): the chat's side of two hosts.
    // The lease outlasts the write pause the bucket leader's SIGKILL causes (up to ~10 s, two
    // JetStream timeouts while the bucket elects a leader; docs/scale-out.md#a-nats-node-dies):
    // with the world's 8 s a runner gave its mission up 6.5 s after its last renewal (1 run in 3).
    full: { actors: { bridge: { enabled: true } }, missions: { lease: '20s' } },
    worker: { ...WORKER_HOST, runner: { instances: 2 } },
  });

  it('shows both hosts in roshi status, each host’s supervisor first', async () => {
    const { h1, h2 } = rig;
    const statuses = await systemStatus(h1);
    expect(statuses.map((s) => s.supervisor.host).sort()).toEqual(['h1', 'h2']);
    const cli = await h1.cli(['status']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    const lines = cli.stdout.split('\n');
    for (const host of ['h1', 'h2']) {
      const at = lines.indexOf(`host ${host}`);
      expect(at, cli.stdout).toBeGreaterThanOrEqual(0);
      expect(lines[at + 1]).toMatch(/^supervisor pid \d+/);
    }
    const h2At = lines.indexOf('host h2');
    for (const name of H1) expect(lines.findIndex((l) => l.startsWith(`${name} `))).toBeLessThan(h2At);
    for (const name of H2) expect(lines.findIndex((l) => l.startsWith(`${name} `))).toBeGreaterThan(h2At);
    const json = JSON.parse((await h2.cli(['status', '--json'])).stdout) as { hosts: Array<{ children: unknown[] }> };
    expect(json.hosts).toHaveLength(2);
  });

  it('spreads missions over both hosts’ runners and runs each once, across a NATS node’s SIGKILL', async () => {
    const { cluster, events, h1, h2 } = rig;
    const added: Mission[] = [];
    for (let i = 1; i <= MISSIONS; i++) added.push(await addMission(h1, `write spread file ${i} {{spread-${i}}}`));
    // Kill the node leading the missions bucket while missions run on both hosts (every lease
    // renewal waits for the bucket's new leader), then bring it back.
    await until(
      async () => {
        const running = await Promise.all(added.map((m) => getMission(h1, m.id).catch(() => undefined)));
        return running.filter((m) => m?.status === 'running').length >= 2 ? true : undefined;
      },
      'two missions running',
      { timeoutMs: 90_000, intervalMs: 200, detail: () => h1.output().slice(-2000) },
    );
    const jsm = await (await cluster.connect('placement')).jetstreamManager();
    const { cluster: placement } = await jsm.streams.info(`KV_${h1.bus.subjects.missionsBucket}`);
    const victim = cluster.nodes.findIndex((n) => n.name === placement?.leader);
    expect(victim, JSON.stringify(placement)).toBeGreaterThanOrEqual(0);
    await cluster.kill(victim);
    await sleep(3_000);
    await cluster.restart(victim);

    const done = await Promise.all(
      added.map((m) =>
        until(
          async () => {
            const record = await getMission(h1, m.id).catch(() => undefined);
            return record && finished(record) ? record : undefined;
          },
          `mission ${m.id} finished`,
          { timeoutMs: 180_000, intervalMs: 500, detail: () => h2.output().slice(-2000) },
        ),
      ),
    );
    for (const mission of done) expect(mission.status, mission.lastError).toBe('done');
    for (let i = 1; i <= MISSIONS; i++) expect(runs.get(`spread-${i}`), `runs of mission ${i}`).toBe(1);
    expect(done.map((m) => m.attempts)).toEqual(done.map(() => 1));
    // Who finished them (the finished events that reached this connection: a few may have been
    // lost while the node was down) — runners of both hosts.
    const runners = new Set(events.filter((e) => e.type === 'finished').map((e) => e.runner));
    expect([...runners].some((r) => r?.startsWith('h1-runner-'))).toBe(true);
    expect([...runners].some((r) => r?.startsWith('h2-runner-'))).toBe(true);
    expect(cluster.nodes[victim]!.pid).toBeDefined();
  }, 400_000);

  it('answers a restart only from the host that owns the actor', async () => {
    const { h1, h2 } = rig;
    const answers = await h1.bus.requestAll<{ accepted: boolean; actor: string }>(
      h1.bus.subjects.supRestart,
      { actor: 'h2-runner-2', by: 'test' },
      { timeoutMs: 5_000, window: 1_000 },
    );
    expect(answers).toEqual([expect.objectContaining({ accepted: true, actor: 'h2-runner-2' })]);
    await h2.waitForRunning(H2, 60_000);
  });

  it('heals a frozen runner of the worker host through its own watchdog, not the other host’s', async () => {
    const { h1, h2 } = rig;
    const frozen = await h2.child('h2-runner-2');
    process.kill(frozen.pid!, 'SIGSTOP');
    try {
      await h2.waitForStatus(
        (s) => s.children.some((c) => c.name === 'h2-runner-2' && c.state === 'running' && c.pid !== frozen.pid),
        60_000,
        'h2-runner-2 replaced after its freeze',
      );
    } finally {
      try {
        process.kill(frozen.pid!, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    expect(h2.events.some((e) => e.child === 'h2-runner-2' && /^tier/.test(e.kind))).toBe(true);
    // Each watchdog judges its own host's children only (they log each verdict that changes).
    expect(h2.log('h2-watchdog')).toContain('"actor":"h2-runner-2"');
    expect(h1.log('h1-watchdog')).not.toContain('"actor":"h2-');
    expect(h2.log('h2-watchdog')).not.toContain('"actor":"h1-');
  });

  it('aborts from the chat by a qualified runner name', async () => {
    const { h1 } = rig;
    const lines: string[] = [];
    const unsubscribe = h1.bus.subscribe(h1.bus.subjects.bridgeConsole, (p) => void lines.push(String(p.text)));
    await h1.bus.nc.flush();
    h1.bus.publish(h1.bus.subjects.bridgeIn, { text: '/abort h2-runner-1' });
    await until(() => (lines.some((l) => /h2-runner-1/.test(l)) ? true : undefined), 'a reply to /abort', {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    unsubscribe();
    // h2's runner answered through the bridge on h1 (the missions are all done: nothing to abort).
    expect(lines.join('\n')).toMatch(/h2-runner-1: (no mission running|nothing to abort)/);
  });
});
