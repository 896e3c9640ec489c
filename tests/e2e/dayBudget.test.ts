// Day budgets end to end (docs/missions.md#spend-and-budgets): a tree from dist/ with the real
// Claude Code CLI against the scripted API. A mission's two agent turns reach the system's day
// budget of 2 turns: one alert on the console, the next queued mission waits (not failed) while
// the runner holds, /status, /budget and /usage say so; `/budget raise 10 turns` lets it run.
import { describe, expect, it } from 'vitest';
import { JsonKv } from '../../src/bus/index.js';
import type { Mission } from '../../src/contracts/index.js';
import { readHold } from '../../src/missions/dispatchHold.js';
import { readDaySpend, utcDay } from '../../src/usage/dayLedger.js';
import { ConsoleLines } from '../harness/bridgeConsole.js';
import { addMission, untilMission } from '../harness/missionClient.js';
import { useMissionTree } from '../harness/missionSuite.js';
import { writesFile, type MissionWorld } from '../harness/missionWorld.js';
import { deepMerge, type TestTree } from '../harness/tree.js';
import { until } from '../harness/until.js';

describe('a day budget reached', () => {
  let world: MissionWorld;
  let tree: TestTree;
  const consoleLines = new ConsoleLines(() => `--- tree (tail) ---\n${tree.output().slice(-3000)}`);
  const { lines, waitFor } = consoleLines;
  const say = (text: string) =>
    tree.bus.nc.publish(tree.bus.subjects.bridgeIn, new TextEncoder().encode(JSON.stringify({ text })));
  useMissionTree(
    {
      config: (w) =>
        deepMerge(w.config(), {
          budgets: { day: { system: { turns: 2 } } },
          actors: { bridge: { enabled: true } },
          bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
        }),
      running: ['missions', 'runner-1', 'bridge'],
      ready: ({ tree }) => consoleLines.listen(tree),
    },
    (started) => ({ world, tree } = started),
    90_000,
  );

  it('stops dispatch with one alert; the queued mission waits, and /budget raise resumes it', async () => {
    world.scenarios.set('spend-1', writesFile('spend1.txt', 'one'));
    world.scenarios.set('spend-2', writesFile('spend2.txt', 'two'));
    const state = await JsonKv.open(tree.bus, tree.bus.subjects.stateBucket);

    const first = await addMission(tree, 'spend the day {{spend-1}}');
    await untilMission(tree, first.id, (m) => m.status === 'done', 60_000, 'the first mission done');
    // Its two turns were counted, and that is the whole day's budget.
    const spend = await readDaySpend(state, utcDay(Date.now()));
    expect(spend.system.turns).toBe(2);
    expect(spend.projects.app?.turns).toBe(2);
    expect(spend.system.tokens).toBeGreaterThan(0);
    const alert = await waitFor((l) => l.text.includes('day budget reached'), 60_000, 'the budget alert');
    expect(alert.text).toContain('system day budget reached: 2 of 2 turns');
    const hold = await until(async () => {
      const h = await readHold(state);
      return h?.by === 'budget' ? h : undefined;
    }, 'the budget hold recorded');
    expect(hold.reason).toContain('2 of 2 turns');

    const second = await addMission(tree, 'more work {{spend-2}}');
    const ping = async () =>
      (await tree.bus.request<{ state: string }>(tree.bus.subjects.control('runner-1'), { verb: 'ping' })).state;
    await until(async () => (await ping()) === 'paused', 'the runner holding');
    const waiting: Mission = await tree.bus.request(tree.bus.subjects.missions('get'), { id: second.id });
    expect(waiting.status).toBe('pending');

    let from = lines.length;
    say('/status');
    const status = await waitFor((l) => l.text.includes('dispatch:'), 60_000, 'the /status answer', from);
    expect(status.text).toMatch(/dispatch: ⏸ paused until .*by budget.*2 of 2 turns/s);
    from = lines.length;
    say('/usage');
    const usage = await waitFor((l) => l.text.includes('against day budgets'), 60_000, 'the /usage answer', from);
    expect(usage.text).toContain('system: $');
    expect(usage.text).toContain('2 of 2 turns');

    // `roshi budget` asks the same: today against the budget, and what is held.
    const cli = await tree.cli(['budget']);
    expect(cli.exitCode, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('system: $');
    expect(cli.stdout).toContain('2 of 2 turns');
    expect(cli.stdout).toContain('⏸ day budget reached: all dispatch held');
    const treeStatus = await tree.cli(['status']);
    expect(treeStatus.stdout).toContain(
      '⏸ day budget reached: all dispatch held until 00:00 UTC or /budget raise (system: 2 of 2 turns)',
    );
    const refused = await tree.cli(['budget', 'raise', 'lots']);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toContain('amount like');

    from = lines.length;
    const raisedAt = Date.now();
    say('/budget raise 10 turns');
    const raised = await waitFor((l) => l.text.startsWith('▲ raised'), 60_000, 'the raise answer', from);
    expect(raised.text).toContain('system: ');
    expect(raised.text).toContain('of 12 turns');
    const done = await untilMission(tree, second.id, (m) => m.status === 'done', 60_000, 'the waiting mission done');
    expect(done.attempts).toBe(1);
    expect(done.startedAt).toBeGreaterThanOrEqual(raisedAt);
    await until(async () => (await readHold(state)) === undefined, 'the budget hold removed');
    // One alert for the day's budget, however many times it was looked at.
    expect(lines.filter((l) => l.text.includes('day budget reached:') && l.text.startsWith('💸'))).toHaveLength(1);
  }, 240_000);
});
