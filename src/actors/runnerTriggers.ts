// What wakes the runner machine: the pause, hold and host drain records in the state bucket, the day budgets
// (a reached system budget holds all claims, a project's that project's missions: `heldProjects`,
// which the claim skips), and the mission store's index (a mission pending, or the one in hand
// cancelled). Returns the unsubscribers.
import type { AnyActorRef } from 'xstate';
import type { JsonKv } from '../bus/index.js';
import type { Mission } from '../contracts/index.js';
import { drainKey, toDrainRecord, type DrainRecord } from '../contracts/drain.js';
import { dispatchGate, HOLD_KEY, isHeldAt, type DispatchHold } from '../missions/dispatchHold.js';
import { PAUSE_KEY, type PauseRecord } from '../missions/pause.js';
import type { MissionStore } from '../missions/store.js';
import type { BudgetHold, DayBudgets } from '../usage/dayBudget.js';
import { DayBudgetWatch } from '../usage/dayBudgetWatch.js';

export async function watchRunnerTriggers(
  actor: AnyActorRef,
  stateKv: JsonKv,
  store: MissionStore,
  current: () => Mission | undefined,
  dayBudgets: { budgets: DayBudgets; heldProjects: Set<string> },
  /** This runner's host and its drain record as last seen (read by the `drain-state` control verb). */
  hostDrain: { host: string; record?: DrainRecord },
): Promise<Array<() => void>> {
  const unsubscribers: Array<() => void> = [];
  // The operator's pause and the API's hold (dispatchHold.ts) together decide: both watched
  // first, so no claim slips in before the runner knows; a hold ends by its own clock.
  let pause: PauseRecord | undefined;
  let hold: DispatchHold | undefined;
  let budget: BudgetHold | undefined;
  let holdTimer: NodeJS.Timeout | undefined;
  const decide = () => {
    clearTimeout(holdTimer);
    const now = Date.now();
    const gate = dispatchGate(pause, hold, now, budget, hostDrain.record !== undefined);
    actor.send(
      gate.paused
        ? { type: 'DISPATCH.PAUSED', ...(gate.until ? { until: gate.until } : {}) }
        : { type: 'DISPATCH.RESUMED' },
    );
    if (isHeldAt(hold, now)) holdTimer = setTimeout(decide, hold.until - now + 10);
  };
  // This host drained (docs/scale-out.md#add-and-drain-a-host): no claim until the mark is cleared.
  // Watched first, so the pause's first value cannot resume a runner that started drained.
  const drainWatch = await stateKv.watch<unknown>(
    {
      onChange: (change) => {
        hostDrain.record = change.operation === 'put' ? toDrainRecord(change.value) : undefined;
        decide();
      },
    },
    { key: drainKey(hostDrain.host) },
  );
  const pauseWatch = await stateKv.watch<PauseRecord>(
    { onChange: (change) => ((pause = change.operation === 'put' ? change.value : undefined), decide()) },
    { key: PAUSE_KEY },
  );
  const holdWatch = await stateKv.watch<DispatchHold>(
    { onChange: (change) => ((hold = change.operation === 'put' ? change.value : undefined), decide()) },
    { key: HOLD_KEY },
  );
  const budgetWatch = await DayBudgetWatch.start(stateKv, dayBudgets.budgets, (reached) => {
    const freed = [...dayBudgets.heldProjects].some((p) => !reached?.projects.includes(p));
    budget = reached;
    dayBudgets.heldProjects.clear();
    for (const p of reached?.projects ?? []) dayBudgets.heldProjects.add(p);
    decide();
    if (freed) actor.send({ type: 'MISSION.AVAILABLE' });
  });
  budget = budgetWatch.hold;
  for (const p of budget?.projects ?? []) dayBudgets.heldProjects.add(p);
  await Promise.all([pauseWatch.initialized, holdWatch.initialized, drainWatch.initialized]);
  unsubscribers.push(() => {
    pauseWatch.stop();
    holdWatch.stop();
    drainWatch.stop();
    budgetWatch.stop();
    clearTimeout(holdTimer);
  });
  // The store's own index is the trigger, not missions.events: a claim reads that index,
  // and an event can arrive before the index has the mission (the claim would find nothing).
  unsubscribers.push(
    store.onChange((id, mission) => {
      if (mission?.status === 'pending') actor.send({ type: 'MISSION.AVAILABLE' });
      else if (mission?.status === 'cancelled' && id === current()?.id) actor.send({ type: 'MISSION.CANCELLED', id });
    }),
  );
  return unsubscribers;
}
