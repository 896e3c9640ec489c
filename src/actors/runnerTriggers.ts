// What wakes the runner machine: the pause record in the state bucket, and the mission store's
// index (a mission pending, or the one in hand cancelled). Returns the unsubscribers.
import type { AnyActorRef } from 'xstate';
import type { JsonKv } from '../bus/index.js';
import type { Mission } from '../contracts/index.js';
import { isPausedAt, PAUSE_KEY, type PauseRecord } from '../missions/pause.js';
import type { MissionStore } from '../missions/store.js';

export async function watchRunnerTriggers(
  actor: AnyActorRef,
  stateKv: JsonKv,
  store: MissionStore,
  current: () => Mission | undefined,
): Promise<Array<() => void>> {
  const unsubscribers: Array<() => void> = [];
  // The pause record first: no claim may slip in before the runner knows it is paused.
  const watch = await stateKv.watch<PauseRecord>(
    {
      onChange: (change) => {
        const record = change.operation === 'put' ? change.value : undefined;
        const paused = record ? isPausedAt(record, Date.now()) : false;
        actor.send(
          paused
            ? { type: 'DISPATCH.PAUSED', ...(record?.until ? { until: record.until } : {}) }
            : { type: 'DISPATCH.RESUMED' },
        );
      },
    },
    { key: PAUSE_KEY },
  );
  await watch.initialized;
  unsubscribers.push(() => watch.stop());
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
