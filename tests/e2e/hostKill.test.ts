// A whole host SIGKILLed (docs/scale-out.md#work-on-any-host, #singleton-leases): two supervisors
// as hosts h1 and h2 on a real 3-node NATS cluster, the real agent CLI against the scripted
// Messages API, the fake Telegram for notices. (1) The worker host h2 dies with its agent mid-run:
// the mission runs again once on h1 after its lease, and h2 back on its state dir runs it not
// again but claims new work. (2) The host holding the singletons dies: the other host's standby
// missions actor and bridge take over, and every mission finishes with its notice sent once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Mission, MissionEvent } from '../../src/contracts/index.js';
import type { HeartbeatRecord } from '../../src/contracts/heartbeat.js';
import { watchHeartbeats } from '../harness/hostActors.js';
import { killHost } from '../harness/hostKill.js';
import { actorsOf, expectOneNoticeEach, LEASE_TTL_MS, useHostKillWorld, WORKER } from '../harness/hostKillWorld.js';
import { addMission, finished, getMission, untilMission } from '../harness/missionClient.js';
import { runsBash } from '../harness/missionWorld.js';
import { deepMerge } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('a worker host SIGKILLed mid-mission', () => {
  const H1 = actorsOf('h1', ['watchdog', 'missions', 'bridge', 'runner-1']);
  const H2 = actorsOf('h2', ['watchdog', 'runner-1', 'runner-2']);
  const rig = useHostKillWorld([...H1, ...H2]);

  it('runs the mission again once on h1 after its lease; h2 back runs it not again and claims new work', async () => {
    const { world } = rig;
    const go = (n: number) => join(world.dir, `go-${n}`);
    for (const n of [1, 2])
      world.scenarios.set(
        `block-${n}`,
        runsBash(`while [ ! -e ${go(n)} ]; do sleep 0.2; done; echo ${n} > b${n}.txt`, 'wait'),
      );
    world.scenarios.set('victim', rig.slow('victim', 1, 120)); // the first run outlives its host
    world.scenarios.set('after', rig.slow('after', 1));
    const h1 = await rig.start('h1', rig.full);
    await h1.waitForRunning(H1, 90_000);
    const events: MissionEvent[] = [];
    h1.bus.subscribe(h1.bus.subjects.missionEvents, (e) => void events.push(e as unknown as MissionEvent));
    const finishers = (m: Mission) => events.filter((e) => e.type === 'finished' && e.id === m.id).map((e) => e.runner);
    // The event is published just after the record is written: a record seen done may be ahead of it.
    const finishersOf = (m: Mission) =>
      until(() => (finishers(m).length > 0 ? finishers(m) : undefined), `the finished event of ${m.id}`, {
        timeoutMs: 10_000,
      });

    // h1's one runner is busy, so the victim goes to h2.
    const block1 = await addMission(h1, 'wait for go 1 {{block-1}}');
    await untilMission(
      h1,
      block1.id,
      (m) => m.status === 'running' && m.lease?.runner === 'h1-runner-1',
      90_000,
      'on h1',
    );
    const h2 = await rig.start('h2', deepMerge(rig.full, { actors: WORKER }));
    await h2.waitForRunning(H2, 90_000);
    const victim = await addMission(h1, 'a slow mission {{victim}}');
    const claimed = await untilMission(
      h1,
      victim.id,
      (m) => m.lease?.runner.startsWith('h2-') === true,
      90_000,
      'on h2',
    );
    await until(() => rig.starts.get('victim') === 1, 'the victim’s agent at work on h2', { timeoutMs: 60_000 });

    const killed = await killHost(h2);
    process.stderr.write(
      `hostKill: killed h2 (${claimed.lease!.runner} held ${victim.id}): ${killed.length} processes\n`,
    );
    for (const k of killed) process.stderr.write(`  ${k.pid} ${k.command.slice(0, 140)}\n`);
    expect(
      killed.some((k) => /claude/.test(k.command)),
      'the agent died with its host',
    ).toBe(true);

    writeFileSync(go(1), '');
    const done = await untilMission(h1, victim.id, finished, 180_000, 'finished after its host died');
    expect(done.status, done.lastError).toBe('done');
    expect(done.attempts).toBe(2);
    expect(await finishersOf(done)).toEqual(['h1-runner-1']);
    expect(rig.starts.get('victim')).toBe(2); // the killed run and h1's
    expect(rig.completes.get('victim')).toBe(1); // only h1's ran to its end
    expect((await untilMission(h1, block1.id, finished, 90_000, 'block 1 done')).status).toBe('done');

    // h2 comes back on its state dir while h1's runner is busy again: new work goes to h2.
    const block2 = await addMission(h1, 'wait for go 2 {{block-2}}');
    await untilMission(
      h1,
      block2.id,
      (m) => m.status === 'running' && m.lease?.runner === 'h1-runner-1',
      90_000,
      'on h1',
    );
    const back = await rig.start('h2', deepMerge(rig.full, { actors: WORKER }), h2.stateDir);
    await back.waitForRunning(H2, 90_000);
    const after = await addMission(h1, 'work after the return {{after}}');
    const afterDone = await untilMission(h1, after.id, finished, 120_000, 'finished on h2');
    expect(afterDone.status, afterDone.lastError).toBe('done');
    expect((await finishersOf(afterDone))[0]).toMatch(/^h2-runner-/);
    writeFileSync(go(2), '');
    expect((await untilMission(h1, block2.id, finished, 90_000, 'block 2 done')).status).toBe('done');

    // The return ran nothing again: the victim's record and runs are as h1 left them.
    const victimNow = await untilMission(h1, victim.id, () => true, 10_000, 'read');
    expect([victimNow.status, victimNow.attempts]).toEqual(['done', 2]);
    expect([rig.starts.get('victim'), rig.completes.get('victim')]).toEqual([2, 1]);
    expect(finishers(victimNow)).toEqual(['h1-runner-1']);
    await expectOneNoticeEach(rig, [block1, victim, block2, after]);
  }, 900_000);
});

describe('the host holding the singletons SIGKILLed', () => {
  const KINDS = ['watchdog', 'missions', 'bridge', 'runner-1'];
  const rig = useHostKillWorld([...actorsOf('h1', KINDS), ...actorsOf('h2', KINDS)]);

  it('the other host’s standbys take over; missions before and after the kill finish, each notice sent once', async () => {
    const { world } = rig;
    for (const marker of ['before-1', 'before-2', 'after-1', 'after-2'])
      world.scenarios.set(marker, rig.slow(marker, 3, marker.startsWith('before') ? 20 : 3));
    const h1 = await rig.start('h1', rig.full);
    await h1.waitForRunning(actorsOf('h1', KINDS), 90_000);
    const observer = await rig.cluster.connect('observer');
    const heartbeats = watchHeartbeats(observer);
    const lease = (actor: string) => heartbeats.latest.get(actor)?.lease;
    await until(() => lease('h1-missions') === 'active' && lease('h1-bridge') === 'active', 'h1 holds the singletons', {
      timeoutMs: 60_000,
    });
    const h2 = await rig.start('h2', rig.full);
    await h2.waitForRunning(actorsOf('h2', ['watchdog', 'runner-1']), 90_000);
    await until(() => lease('h2-missions') === 'standby' && lease('h2-bridge') === 'standby', 'h2 on standby', {
      timeoutMs: 90_000,
    });

    const before = [
      await addMission(h2, 'before the kill {{before-1}}'),
      await addMission(h2, 'before the kill {{before-2}}'),
    ];
    // Both at work, so one on each host's runner: the killed host takes an agent mid-run with it.
    const leases = await until(
      async () => {
        const records = await Promise.all(before.map((m) => getMission(h2, m.id).catch(() => undefined)));
        const held = records.map((r) => (r?.status === 'running' ? r.lease?.runner : undefined));
        const working = (rig.starts.get('before-1') ?? 0) + (rig.starts.get('before-2') ?? 0) === 2;
        return working && held.every(Boolean) ? held : undefined;
      },
      'both missions at work',
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    expect(leases.sort()).toEqual(['h1-runner-1', 'h2-runner-1']);
    const killedAt = Date.now();
    const killed = await killHost(h1);
    process.stderr.write(`hostKill: killed h1, the singletons' host: ${killed.length} processes\n`);
    const activeAt = async (actor: string): Promise<number> =>
      until(() => (lease(actor) === 'active' ? Date.now() : undefined), `${actor} active`, {
        timeoutMs: 60_000,
        intervalMs: 50,
        detail: () => JSON.stringify(heartbeats.latest.get(actor) as HeartbeatRecord | undefined),
      });
    const [missionsAt, bridgeAt] = await Promise.all([activeAt('h2-missions'), activeAt('h2-bridge')]);
    const takeover = Math.max(missionsAt, bridgeAt) - killedAt;
    process.stderr.write(
      `hostKill: takeover after the kill: missions ${missionsAt - killedAt} ms, bridge ${bridgeAt - killedAt} ms ` +
        `(${(takeover / LEASE_TTL_MS).toFixed(2)} × leaseTtl ${LEASE_TTL_MS} ms; documented bound 2 ×)\n`,
    );
    // Generous on a loaded machine: the bound is printed above, a hang fails here.
    expect(takeover).toBeLessThan(10 * LEASE_TTL_MS);

    // The heartbeat says active as the lease is taken; the API subscribes as the kind starts just
    // after. Until then a request finds no responder (so it never arrived): ask again.
    const added = async (text: string) =>
      until(
        () =>
          addMission(h2, text).catch((error: unknown) =>
            /nobody is listening/.test(String(error)) ? undefined : Promise.reject(error),
          ),
        'the missions API on h2',
        { timeoutMs: 60_000, intervalMs: 50 },
      );
    // The CLI asks again while nobody listens (src/bus/throughFailover.ts): no retry of ours.
    const viaCli = await h2.cli(['mission', 'add', 'after the kill {{after-1}}']);
    expect(viaCli.exitCode, viaCli.stderr).toBe(0);
    const after = [await getMission(h2, viaCli.stdout.trim())];
    process.stderr.write(
      `hostKill: the CLI's mission add answered on h2 ${Date.now() - killedAt} ms after the kill${/waiting up to/.test(viaCli.stderr) ? ' (it waited for the missions API)' : ''}\n`,
    );
    after.push(await added('after the kill {{after-2}}'));
    const all = [...before, ...after];
    for (const m of all) {
      const done = await untilMission(h2, m.id, finished, 180_000, 'finished');
      expect(done.status, done.lastError).toBe('done');
    }
    process.stderr.write(
      `hostKill: agent runs started ${JSON.stringify([...rig.starts])}, complete ${JSON.stringify([...rig.completes])}\n`,
    );
    // Each agent ran to its end once: the run killed with h1 never did, its rerun on h2 did.
    for (const marker of ['before-1', 'before-2', 'after-1', 'after-2'])
      expect(rig.completes.get(marker), marker).toBe(1);
    await expectOneNoticeEach(rig, all);
    heartbeats.stop();
  }, 900_000);
});
