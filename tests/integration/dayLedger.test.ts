// The day ledger and its hold against a real nats-server: concurrent additions from several
// connections (runners) lose nothing; a metered run adds its spend while it still streams; a
// reached budget holds, alerts once, and a raise for today lifts it.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentAdapter, AgentRunResult } from '../../src/adapters/agent/index.js';
import { JsonKv } from '../../src/bus/index.js';
import { silentLogger } from '../../src/log.js';
import { readHold } from '../../src/missions/dispatchHold.js';
import { budgetEndpoints, keepBudgetHold, type BudgetReport } from '../../src/usage/budgetService.js';
import type { BudgetHold, DayBudgets } from '../../src/usage/dayBudget.js';
import { DayBudgetWatch } from '../../src/usage/dayBudgetWatch.js';
import { KEEP_DAYS, pruneOldDays, readDaySpend, recordSpend, utcDay } from '../../src/usage/dayLedger.js';
import { meteredAgent } from '../../src/usage/spendMeter.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const nats = useNats();
let counter = 0;
const dir = mkdtempSync(join(tmpdir(), 'roshi-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stateKv(prefix: string) {
  const bus = await nats.connect('ledger', prefix);
  return { bus, kv: await JsonKv.open(bus, bus.subjects.stateBucket) };
}

const assistantLine = (id: string, tokens: number) =>
  JSON.stringify({
    type: 'assistant',
    message: { id, usage: { input_tokens: tokens, output_tokens: 0 }, content: [] },
  });

describe('day ledger', () => {
  it('keeps every one of many concurrent additions from three runners', async () => {
    const prefix = `l${++counter}`;
    const runners = await Promise.all([1, 2, 3].map(() => stateKv(prefix)));
    const now = Date.now();
    await Promise.all(
      runners.flatMap(({ kv }, r) =>
        Array.from({ length: 20 }, (_, i) =>
          recordSpend(kv, { usd: 0.01, tokens: 100, turns: 1 }, i % 2 === 0 ? 'app' : `lib-${r}`, now),
        ),
      ),
    );
    const spend = await readDaySpend(runners[0]!.kv, utcDay(now));
    expect(spend.system.tokens).toBe(6000);
    expect(spend.system.turns).toBe(60);
    expect(spend.system.usd).toBeCloseTo(0.6, 10);
    expect(spend.projects.app).toMatchObject({ tokens: 3000, turns: 30 });
    expect(spend.projects['lib-0']).toMatchObject({ tokens: 1000, turns: 10 });
    expect(Object.keys(spend.projects).sort()).toEqual(['app', 'lib-0', 'lib-1', 'lib-2']);
  });

  it('counts a run while it streams, then what its result adds', async () => {
    const { kv } = await stateKv(`l${++counter}`);
    const logFile = join(dir, 'run.log');
    writeFileSync(logFile, '[roshi] start\n');
    let finish!: (r: AgentRunResult) => void;
    const fake: AgentAdapter = { name: 'fake', run: () => new Promise((resolve) => (finish = resolve)) };
    const agent = meteredAgent(fake, { kv, logger: silentLogger(), projectOf: () => 'app', followMs: 20 });
    const running = agent.run({ logFile } as Parameters<AgentAdapter['run']>[0]);
    const day = utcDay(Date.now());
    appendFileSync(logFile, `${assistantLine('m1', 400)}\n${assistantLine('m1', 400)}\n`);
    await until(async () => (await readDaySpend(kv, day)).projects.app?.tokens === 400, 'the first turn counted');
    appendFileSync(logFile, `[stderr] noise\n${assistantLine('m2', 600)}\n`);
    await until(async () => (await readDaySpend(kv, day)).system.turns === 2, 'the second turn counted');
    finish({
      outcome: 'success',
      summary: 'ok',
      durationMs: 1,
      exitCode: 0,
      signal: null,
      costUsd: 0.5,
      numTurns: 2,
      tokens: { input: 1000, output: 50, cacheRead: 0, cacheWrite: 0 },
    });
    await running;
    expect((await readDaySpend(kv, day)).projects.app).toEqual({ usd: 0.5, tokens: 1050, turns: 2 });
  });

  it('holds when a budget is reached, alerts once, and a raise lifts the hold', async () => {
    const { bus, kv } = await stateKv(`l${++counter}`);
    const budgets: DayBudgets = { system: { usd: 1, tokens: 0, turns: 0 }, project: { usd: 0, tokens: 0, turns: 3 } };
    const holds: Array<BudgetHold | undefined> = [];
    const watch = await DayBudgetWatch.start(kv, budgets, (h) => holds.push(h));
    const stopKeeper = await keepBudgetHold(kv, bus, budgets, silentLogger());
    const [endpoint] = budgetEndpoints(kv, budgets, ['app'], bus.subjects.missions('budget'), silentLogger());
    const ask = (payload: Record<string, unknown>) => endpoint!.handler(payload, '') as Promise<BudgetReport>;
    try {
      const alerts: string[] = [];
      const sub = bus.nc.subscribe(bus.subjects.bridgeOut, {
        callback: (_e, m) => alerts.push((m.json() as { text: string }).text),
      });
      await bus.nc.flush();
      const now = Date.now();
      await recordSpend(kv, { turns: 3 }, 'app', now);
      await until(() => watch.hold?.projects.includes('app'), 'the project held');
      expect(watch.hold?.system).toBe(false);
      await recordSpend(kv, { usd: 1.2 }, undefined, now);
      await until(() => watch.hold?.system, 'the system held');
      await until(async () => (await readHold(kv))?.by === 'budget', 'the system hold recorded for /status');
      await recordSpend(kv, { usd: 0.1 }, undefined, now);
      await until(() => alerts.length >= 2, 'two alerts');
      expect(alerts.join('\n')).toMatch(/project app day budget reached: 3 of 3 turns/);
      expect(alerts.join('\n')).toMatch(/system day budget reached: \$1.20 of \$1.00/);

      await expect(ask({ verb: 'raise', amount: '20 turns', project: 'nope', by: 't' })).rejects.toThrow(
        /unknown project/,
      );
      await expect(ask({ verb: 'raise', amount: '20 turns', by: 't' })).rejects.toThrow(/no turns limit/);
      const raised = await ask({ verb: 'raise', amount: '1', by: 't' });
      expect(raised.limits.system.usd).toBe(2);
      await until(() => watch.hold && !watch.hold.system, 'the system hold lifted');
      await until(async () => (await readHold(kv)) === undefined, 'the recorded hold removed');
      await ask({ verb: 'raise', amount: '5 turns', project: 'app', by: 't' });
      await until(() => watch.hold === undefined, 'every hold lifted');
      const reset = await ask({ verb: 'reset', by: 't' });
      expect(reset.raise).toBeUndefined();
      await until(() => watch.hold?.system, 'held again after the reset');
      // Reached again the same day: no second alert.
      await ask({ verb: 'show' });
      await bus.nc.flush();
      expect(alerts).toHaveLength(2);
      sub.unsubscribe();
    } finally {
      watch.stop();
      stopKeeper();
    }
  });

  it(`deletes the keys of days more than ${KEEP_DAYS} days old, and only those`, async () => {
    const { kv } = await stateKv(`l${++counter}`);
    const now = Date.now();
    const old = now - (KEEP_DAYS + 1) * 86_400_000;
    const recent = now - (KEEP_DAYS - 1) * 86_400_000;
    for (const at of [old, recent, now]) await recordSpend(kv, { turns: 1 }, 'app', at);
    await kv.put(`budget.raise.${utcDay(old)}`, { day: utcDay(old) });
    await kv.put(`budget.alert.${utcDay(old)}.system.usd`, { id: 'x' });
    await kv.put(`budget.alert.${utcDay(now)}.system.usd`, { id: 'y' });
    expect(await pruneOldDays(kv, now)).toBe(4);
    expect((await readDaySpend(kv, utcDay(old))).system.turns).toBe(0);
    expect((await readDaySpend(kv, utcDay(recent))).projects.app?.turns).toBe(1);
    expect((await readDaySpend(kv, utcDay(now))).system.turns).toBe(1);
    expect(await kv.keys('budget.>')).toEqual([`budget.alert.${utcDay(now)}.system.usd`]);
  });
});
