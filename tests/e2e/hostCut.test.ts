// A worker host cut off from the bus, and its return (docs/scale-out.md#work-on-any-host): h1 full
// (one runner, the bridge with a fake Telegram) and h2 a worker (one runner) on the 3-node cluster,
// the real agent CLI against the scripted Messages API. h2 reaches the cluster only through a TCP
// relay in front of each node (networkCut.ts), and the nodes advertise no client addresses, so
// cutting the relays cuts h2 off: no route around them. While a mission's agent works on h2 the
// relays fall silent. h2's runner cannot renew the lease and stops its agent before the lease's
// deadline (src/runner/leaseHold.ts); the mission runs again once on h1. Restored, h2's runner
// reconnects in the process it had, runs the first mission not again, and claims new work.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHeartbeatRecord } from '../../src/contracts/heartbeat.js';
import type { Mission, MissionEvent } from '../../src/contracts/index.js';
import { commandOf, processesOfHost } from '../harness/hostKill.js';
import { actorsOf, expectOneNoticeEach, useHostKillWorld, WORKER } from '../harness/hostKillWorld.js';
import { addMission, finished, getMission, untilMission } from '../harness/missionClient.js';
import { runsBash } from '../harness/missionWorld.js';
import { startNetworkCut, type NetworkCut } from '../harness/networkCut.js';
import { isLiveProcess } from '../harness/procScan.js';
import { deepMerge } from '../harness/tree.js';
import { until } from '../harness/until.js';

const H1 = actorsOf('h1', ['watchdog', 'missions', 'bridge', 'runner-1']);
const H2 = actorsOf('h2', ['watchdog', 'runner-1']);
const WORKER_ONE = { ...WORKER, runner: { instances: 1 } }; // a worker host with one runner
const say = (line: string) => process.stderr.write(`hostCut: ${line}\n`);

describe('a worker host cut off from the bus', () => {
  // no_advertise: roshi's client takes the nodes' addresses the cluster advertises (INFO's
  // connect_urls) into its pool, so without it h2 reconnected to the nodes directly around the cut
  // relays and its runner ran the victim again itself. roshi has no client option for it.
  const rig = useHostKillWorld([...H1, ...H2], { noAdvertise: true });

  it('stops its agent before the lease deadline, claims nothing while cut, and rejoins without running the mission again', async () => {
    const { world, cluster } = rig;
    const go = (n: number) => join(world.dir, `go-${n}`);
    for (const n of [1, 2])
      world.scenarios.set(
        `block-${n}`,
        runsBash(`while [ ! -e ${go(n)} ]; do sleep 0.2; done; echo ${n} > b${n}.txt`, 'wait'),
      );
    // The first run would outlast the cut. Stopped with SIGTERM the CLI reports the interrupted
    // tool and asks for its next step within its kill grace: that run gets only more sleep.
    const victimRun = rig.slow('victim', 1, 120);
    world.scenarios.set('victim', (request) =>
      rig.starts.get('victim') === 1 && request.toolResults > 0
        ? { toolUse: { name: 'Bash', input: { command: 'sleep 120', description: 'think on' } } }
        : victimRun(request),
    );
    world.scenarios.set('during', rig.slow('during', 1));
    world.scenarios.set('after', rig.slow('after', 1));

    const relays: NetworkCut[] = await Promise.all(
      cluster.nodes.map((node) => startNetworkCut(node.url, { heldOnRestore: 'drop' })),
    );
    rig.afterHosts.push(async () => void (await Promise.all(relays.map((r) => r.close()))));
    const h1 = await rig.start('h1', rig.full);
    await h1.waitForRunning(H1, 90_000);
    const events: MissionEvent[] = [];
    h1.bus.subscribe(h1.bus.subjects.missionEvents, (e) => void events.push(e as unknown as MissionEvent));
    const finishers = (m: Mission) => events.filter((e) => e.type === 'finished' && e.id === m.id).map((e) => e.runner);
    // The event follows the record's write: a record read done may be ahead of it.
    const finishedBy = (m: Mission) =>
      until(() => (finishers(m).length ? finishers(m) : undefined), `the finished event of ${m.id}`, {
        timeoutMs: 10_000,
      });
    // Every heartbeat as the cluster (not h2) hears it: when, and from which process.
    const beats: Array<{ actor: string; pid: number; at: number }> = [];
    h1.bus.subscribe(`${h1.bus.prefix}.hb.>`, (payload) => {
      const record = toHeartbeatRecord(payload, Date.now());
      if (record) beats.push({ actor: record.actor, pid: record.pid, at: record.receivedAt });
    });
    const pidsOf = (from: number, to = Number.POSITIVE_INFINITY) =>
      Object.fromEntries(
        H2.map((a) => [
          a,
          [...new Set(beats.filter((b) => b.actor === a && b.at >= from && b.at < to).map((b) => b.pid))],
        ]),
      );

    // h1's one runner is busy, so the victim goes to h2.
    const block1 = await addMission(h1, 'wait for go 1 {{block-1}}');
    await untilMission(
      h1,
      block1.id,
      (m) => m.status === 'running' && m.lease?.runner === 'h1-runner-1',
      90_000,
      'on h1',
    );
    const h2 = await rig.start(
      'h2',
      deepMerge(rig.full, { actors: WORKER_ONE }),
      undefined,
      relays.map((r) => r.url).join(','),
    );
    await h2.waitForRunning(H2, 90_000);
    const victim = await addMission(h1, 'a slow mission {{victim}}');
    await untilMission(h1, victim.id, (m) => m.lease?.runner === 'h2-runner-1', 90_000, 'on h2');
    await until(() => rig.starts.get('victim') === 1, 'the victim’s agent at work on h2', { timeoutMs: 60_000 });
    // The agent and the tool it runs (`sleep 120`), found as hostKill finds a host's processes.
    const agents = await until(
      () => {
        const found = processesOfHost(h2).filter((pid) => /claude|sleep 120/.test(commandOf(pid)));
        const tool = found.some((pid) => /^(\S*\/)?sleep 120/.test(commandOf(pid)));
        return tool && found.some((pid) => /claude/.test(commandOf(pid))) ? found : undefined;
      },
      'the victim’s agent and its tool running on h2',
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    say(`h2's agent: ${agents.map((pid) => `${pid} ${commandOf(pid).slice(0, 100)}`).join(' | ')}`);
    const before = pidsOf(0);

    const cutAt = Date.now();
    for (const relay of relays) relay.cut();
    let restoreAt = Number.POSITIVE_INFINITY;
    let during: Mission | undefined;
    let block2: Mission | undefined;
    try {
      // The deadline h1's cluster keeps: the last renewal that landed (read until it holds still).
      let seen = 0;
      const deadline = await until(
        async () => {
          const at = (await getMission(h1, victim.id)).lease?.until ?? 0;
          const stable = at === seen;
          seen = at;
          return stable ? at : undefined;
        },
        'the victim’s lease holds still',
        { timeoutMs: 10_000, intervalMs: 1_200 },
      );
      during = await addMission(h1, 'added while h2 is cut off {{during}}');
      // Gone: the agent and its tool, and anything the agent started after the stop signal.
      const agentLeft = () =>
        agents.some(isLiveProcess) || processesOfHost(h2).some((pid) => /claude|sleep 120/.test(commandOf(pid)));
      const stoppedAt = await until(() => (agentLeft() ? undefined : Date.now()), 'h2’s agent stopped', {
        timeoutMs: 30_000,
        intervalMs: 50,
      });
      say(
        `h2's agent (${agents.join(', ')}) gone ${stoppedAt - cutAt} ms after the cut, ${deadline - stoppedAt} ms before the lease deadline`,
      );
      expect(stoppedAt).toBeLessThan(deadline);

      writeFileSync(go(1), '');
      const done = await untilMission(h1, victim.id, finished, 120_000, 'finished on h1');
      expect(done.status, done.lastError).toBe('done');
      expect(done.attempts).toBe(2);
      expect(await finishedBy(done)).toEqual(['h1-runner-1']);
      expect([rig.starts.get('victim'), rig.completes.get('victim')]).toEqual([2, 1]); // h2's run never ended
      expect((await untilMission(h1, during.id, finished, 90_000, 'finished on h1')).status).toBe('done');
      expect(await finishedBy(during)).toEqual(['h1-runner-1']);
      expect((await untilMission(h1, block1.id, finished, 30_000, 'block 1 done')).status).toBe('done');

      // h1's runner busy again before the return: the next mission can only go to h2.
      block2 = await addMission(h1, 'wait for go 2 {{block-2}}');
      await untilMission(
        h1,
        block2.id,
        (m) => m.status === 'running' && m.lease?.runner === 'h1-runner-1',
        90_000,
        'on h1',
      );
      // Nothing of h2 reached the cluster while cut (a heartbeat in flight at the cut aside).
      expect(beats.filter((b) => b.actor.startsWith('h2-') && b.at > cutAt + 500)).toEqual([]);
      expect(events.filter((e) => e.type === 'claimed' && e.at > cutAt && e.runner?.startsWith('h2-'))).toEqual([]);
      restoreAt = Date.now();
      say(`cut for ${restoreAt - cutAt} ms`);
    } finally {
      for (const relay of relays) relay.restore();
      restoreAt = Math.min(restoreAt, Date.now());
    }

    // Back: every h2 actor heartbeats again; the runner reconnected in the process it had (not
    // restarted), and no circuit opened. The watchdog the supervisor restarted while it heard
    // nobody is reported, not judged.
    await until(() => H2.every((a) => beats.some((b) => b.actor === a && b.at > restoreAt)), 'h2’s heartbeats again', {
      timeoutMs: 60_000,
    });
    const back = await h2.waitForRunning(H2, 60_000);
    const rows = back.children.filter((c) => H2.includes(c.name));
    say(
      `after the return: ${rows.map((c) => `${c.name} ${c.state} circuit ${c.circuit} restarts ${c.restarts}`).join('; ')}`,
    );
    say(`h2 pids before the cut ${JSON.stringify(before)}, after the return ${JSON.stringify(pidsOf(restoreAt))}`);
    for (const row of rows) expect([row.name, row.circuit]).toEqual([row.name, 'closed']);
    expect(rows.find((c) => c.name === 'h2-runner-1')?.restarts).toBe(0);
    expect(pidsOf(restoreAt)['h2-runner-1']).toEqual(before['h2-runner-1']);

    const after = await addMission(h1, 'work after the return {{after}}');
    const afterDone = await untilMission(h1, after.id, finished, 120_000, 'finished on h2');
    expect(afterDone.status, afterDone.lastError).toBe('done');
    expect(await finishedBy(afterDone)).toEqual(['h2-runner-1']);
    writeFileSync(go(2), '');
    expect((await untilMission(h1, block2!.id, finished, 90_000, 'block 2 done')).status).toBe('done');

    // The return ran nothing again: the victim's record and runs are as h1 left them.
    const victimNow = await getMission(h1, victim.id);
    expect([victimNow.status, victimNow.attempts]).toEqual(['done', 2]);
    expect([rig.starts.get('victim'), rig.completes.get('victim')]).toEqual([2, 1]);
    expect(finishers(victimNow)).toEqual(['h1-runner-1']);
    const all = [block1, victim, during!, after, block2!];
    await expectOneNoticeEach(rig, all);
  }, 400_000);
});
