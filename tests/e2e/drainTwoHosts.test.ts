// `roshi drain h2` given from host h1, two supervisors on a real 3-node NATS cluster
// (docs/scale-out.md#add-and-drain-a-host): h2's running mission finishes once, h2's runner
// claims nothing more, h2's supervisor exits 0 leaving no process, while h1 goes on and runs
// the mission queued meanwhile. A host no actor is heard from is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunnerDrainReply } from '../../src/contracts/drain.js';
import type { Mission } from '../../src/contracts/index.js';
import { addMission, finished, getMission, untilMission } from '../harness/missionClient.js';
import { runsBash, writesFile } from '../harness/missionWorld.js';
import { useTwoHosts } from '../harness/twoHosts.js';
import { until } from '../harness/until.js';

const H1 = ['h1-watchdog', 'h1-missions', 'h1-runner-1'];
const H2 = ['h2-watchdog', 'h2-runner-1'];

describe('drain one host of two', () => {
  const rig = useTwoHosts({
    actors: { h1: H1, h2: H2 },
    scenarios: (world) => {
      for (const m of ['a', 'b']) {
        const go = join(world.dir, `go-${m}`);
        world.scenarios.set(
          `wait-${m}`,
          runsBash(`while [ ! -e ${go} ]; do sleep 0.2; done; echo ${m} > ${m}.txt`, 'wait'),
        );
      }
      world.scenarios.set('after', writesFile('after.txt', 'after the drain'));
    },
  });

  it('h2 finishes its mission, claims no more and leaves with exit 0; h1 runs what was queued', async () => {
    const { events, h1: one, h2: two, world } = rig;
    const a = await addMission(one, 'wait for a {{wait-a}}');
    const b = await addMission(one, 'wait for b {{wait-b}}');
    // One mission on each host's runner.
    const [onA, onB] = await until(
      async () => {
        const records = await Promise.all([a, b].map((m) => getMission(one, m.id).catch(() => undefined)));
        return records.every((r) => r?.status === 'running' && r.lease) ? (records as Mission[]) : undefined;
      },
      'both missions running',
      { timeoutMs: 90_000, intervalMs: 200 },
    );
    const onH2 = [onA!, onB!].find((m) => m.lease!.runner === 'h2-runner-1')!;
    const onH1 = [onA!, onB!].find((m) => m.lease!.runner === 'h1-runner-1')!;
    expect(onH2 && onH1).toBeTruthy();

    const unknown = await one.cli(['drain', 'h9']);
    expect(unknown.exitCode).toBe(64);
    expect(unknown.stderr).toMatch(/no actor of host "h9" was heard on the bus .*\(heard: .*h1.*h2.*\)/);

    const drained = await one.cli(['drain', 'h2', '--by', 'ana']);
    expect(drained.exitCode, drained.stderr).toBe(0);
    expect(drained.stdout).toMatch(/^host h2: draining/);
    await until(
      async () => {
        const state = await one.bus
          .request<RunnerDrainReply>(one.bus.subjects.control('h2-runner-1'), { verb: 'drain-state' }, 2_000)
          .catch(() => undefined);
        return state?.drainSeen && state.mission === onH2.id;
      },
      'h2-runner-1 saw the drain',
      { timeoutMs: 10_000 },
    );
    // h1's runner is not drained.
    const h1State = await one.bus.request<RunnerDrainReply>(one.bus.subjects.control('h1-runner-1'), {
      verb: 'drain-state',
    });
    expect(h1State.drainSeen).toBe(false);
    const after = await addMission(one, 'after the drain {{after}}');
    expect((await one.cli(['status'])).stdout).toMatch(/^drain {6}host h2 draining since .* by ana/m);

    const h2Pids = await two.pids();
    const mission = onH2.id === a.id ? 'a' : 'b';
    writeFileSync(join(world.dir, `go-${mission}`), '');
    const doneOnH2 = await untilMission(one, onH2.id, finished, 90_000, 'finished on h2');
    expect(doneOnH2.status, doneOnH2.lastError).toBe('done');
    expect(doneOnH2.attempts).toBe(1);
    await until(() => two.process.exitCode !== null || two.process.signalCode !== null, 'h2 exited', {
      timeoutMs: 60_000,
      detail: () => two.output().slice(-3000),
    });
    expect((await two.process).exitCode, two.output().slice(-3000)).toBe(0);
    expect(two.output()).toMatch(/host h2 drained by ana: every runner is idle; stopping the tree/);
    await until(
      () =>
        h2Pids.every((pid) => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        }),
      'h2’s processes gone',
      { timeoutMs: 10_000 },
    );
    expect((await getMission(one, after.id)).status).toBe('pending');

    // h1 finishes its own mission, then runs the one queued during the drain.
    writeFileSync(join(world.dir, `go-${mission === 'a' ? 'b' : 'a'}`), '');
    const doneOnH1 = await untilMission(one, onH1.id, finished, 90_000, 'finished on h1');
    expect(doneOnH1.status, doneOnH1.lastError).toBe('done');
    const afterDone = await untilMission(one, after.id, finished, 90_000, 'finished after the drain');
    expect(afterDone.status, afterDone.lastError).toBe('done');
    expect(afterDone.attempts).toBe(1);
    expect(events.filter((e) => e.type === 'finished' && e.id === after.id).map((e) => e.runner)).toEqual([
      'h1-runner-1',
    ]);
    expect((await one.cli(['status'])).stdout).toMatch(/^drain {6}host h2 drained by ana: left at /m);
  }, 400_000);
});
