// Operator alerts from supervision announcements (docs/supervision.md#operator-alerts): paced
// per child AND kind, suppressed ones counted in the next alert of that child and kind, and an
// open circuit that a restarted supervisor restores from the heal store is not announced again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { heartbeat, processStarted, type Announcement } from '../../machines/childEvents.js';
import { childSupervisionMachine, type PersistedHealState } from '../../machines/childSupervision.js';
import { supervisorMachine, type ChildActor } from '../../machines/supervisor.js';
import { silentLogger } from '../../src/log.js';
import { HEAL_SETTINGS, T0 } from '../harness/healSettings.js';
import { Announcer, type OperatorAlert } from '../../src/supervisor/announcer.js';
import { loadHealStateActor } from '../../src/supervisor/healPersistence.js';
import type { HealStore } from '../../src/supervisor/healStore.js';

const INTERVAL = 60_000;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function announcer() {
  const dir = mkdtempSync(join(tmpdir(), 'roshi-announcer-'));
  dirs.push(dir);
  const alerts: OperatorAlert[] = [];
  const a = new Announcer(
    { publishEvent: () => {}, sendAlert: (alert) => void alerts.push(alert) },
    join(dir, 'journal.jsonl'),
    silentLogger(),
    INTERVAL,
  );
  const say = (kind: Announcement['kind'], at: number, detail = 'x') => a.announce({ child: 'chat', kind, detail, at });
  return { announcer: a, alerts, say };
}

describe('alert pacing', () => {
  it('delivers a hang (tier 1) alert right after an exited alert for the same child', () => {
    const { alerts, say } = announcer();
    say('exited', T0, 'exited with code 1');
    say('tier1', T0 + 1_000, 'cooperative restart (hung: event loop blocked 4.0 s)');
    expect(alerts.map((a) => a.event)).toEqual(['exited', 'tier1']);
  });

  it('paces each child and kind on its own: another child is not held back either', () => {
    const { announcer: a, alerts, say } = announcer();
    say('exited', T0);
    a.announce({ child: 'bridge', kind: 'exited', detail: 'x', at: T0 + 10 });
    say('exited', T0 + 20);
    expect(alerts.map((x) => `${x.child} ${x.event}`)).toEqual(['chat exited', 'bridge exited']);
  });

  it('counts the suppressed alerts of a child and kind in its next alert', () => {
    const { alerts, say } = announcer();
    say('exited', T0, 'killed by SIGKILL');
    say('exited', T0 + 10_000);
    say('exited', T0 + 20_000);
    say('tier1', T0 + 25_000); // another kind: its own pace, not counted with the exits
    say('exited', T0 + 30_000);
    say('exited', T0 + INTERVAL + 1, 'exited with code 70');
    expect(alerts.map((a) => a.event)).toEqual(['exited', 'tier1', 'exited']);
    const since = new Date(T0).toISOString().slice(11, 19);
    expect(alerts[2]!.text).toBe(`⚠ chat: exited with code 70; respawning (3 more since ${since} UTC)`);
    expect(alerts[2]!.suppressed).toBe(3);
    expect(alerts[0]!.suppressed).toBeUndefined();
    // The count starts over after it was reported.
    say('exited', T0 + 2 * INTERVAL + 2, 'again');
    expect(alerts[3]!.text).toBe('⚠ chat: again; respawning');
  });
});

describe('circuit alerts across a supervisor restart', () => {
  const restored: Record<string, PersistedHealState> = {
    worker: {
      circuit: 'open',
      openUntil: T0 + 30_000,
      counts: { failures: 3, recentFailures: [T0 - 3_000, T0 - 2_000, T0 - 1_000], opens: 1 },
      totalRestarts: 3,
    },
  };

  /** A fresh supervisor (new Announcer) whose heal store holds `restored`, wired as host.ts wires it. */
  function restartedTree() {
    const { announcer: a, alerts } = announcer();
    const clock = new SimulatedClock();
    clock.set(T0);
    const store = { loadAll: async () => restored } as unknown as HealStore;
    const machine = supervisorMachine.provide({
      actors: {
        child: childSupervisionMachine.provide({
          actions: {
            spawnProcess: () => {},
            requestRestart: () => {},
            requestStop: () => {},
            signalProcess: () => {},
            announce: ({ context }, params) => a.announce({ child: context.name, ...params }),
          },
        }),
        loadHealState: loadHealStateActor(Promise.resolve(store), a, () => clock.now()),
      },
      actions: { announceTree: () => {} },
    });
    const actor = createActor(machine, {
      clock,
      input: {
        children: [
          { name: 'watchdog', cooperative: true, settings: HEAL_SETTINGS },
          { name: 'worker', cooperative: true, settings: HEAL_SETTINGS },
        ],
        now: T0,
      },
    });
    return { actor, clock, alerts };
  }

  it('does not announce a restored open circuit again, and announces its close', async () => {
    const { actor, clock, alerts } = restartedTree();
    actor.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const watchdog = actor.system.get('watchdog') as ChildActor;
    watchdog.send(processStarted(21, clock.now()));
    watchdog.send(heartbeat(21, 'boot-21', clock.now()));
    const worker = actor.system.get('worker') as ChildActor;
    expect(worker.getSnapshot().value).toBe('circuitOpen');
    expect(alerts.filter((x) => x.event === 'circuitOpen')).toEqual([]);

    // The probe after the open time succeeds: that change is announced.
    clock.increment(30_000);
    worker.send(processStarted(31, clock.now()));
    worker.send(heartbeat(31, 'boot-31', clock.now()));
    expect(alerts.map((x) => x.event)).toEqual(['circuitClosed']);
    actor.stop();
  });
});
