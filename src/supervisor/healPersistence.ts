// Writes each child's heal state to KV whenever it changes, so the next supervisor start
// remembers crash loops and open circuits. Never for nats (it holds the store), and not while
// the tree is stopping. At start, loads it back for the machines and the announcer.
import { fromPromise, type AnyActorRef } from 'xstate';
import type { HealStateLoad } from '../../machines/supervisor.js';
import type { Announcer } from './announcer.js';
import { persistedHealState, stateName, type ChildSnapshot } from '../../machines/childStatus.js';
import type { Logger } from '../log.js';
import type { HealStore } from './healStore.js';
import { NATS_CHILD } from './tree.js';
import { childMachines } from './treeView.js';

export function persistHealState(root: AnyActorRef, stores: Promise<HealStore>, logger: Logger): void {
  const last = new Map<string, string>();
  const watched = new Set<string>();
  root.subscribe(() => {
    for (const [name, ref] of Object.entries(childMachines(root))) {
      if (watched.has(name) || name === NATS_CHILD) continue;
      watched.add(name);
      ref.subscribe({
        next: (snapshot: ChildSnapshot) => {
          if (snapshot.status !== 'active') return;
          // Stopping the tree is not a heal event: an open circuit must still be open next start.
          const current = stateName(snapshot);
          if (current === 'stopped' || current.startsWith('stopping')) return;
          const state = persistedHealState(snapshot);
          const json = JSON.stringify(state);
          if (last.get(name) === json) return;
          last.set(name, json);
          void stores
            .then((store) => store.save(name, state))
            .catch((error: unknown) => logger.warn({ err: error, child: name }, 'heal state not persisted'));
        },
        error: (error: unknown) => logger.error({ err: error, child: name }, 'child supervision machine failed'),
      });
    }
  });
}

/**
 * The supervisor machine's loadHealState actor: the persisted heal state of the named children,
 * also told to the announcer so that restoring an open circuit is not announced as news.
 */
export function loadHealStateActor(stores: Promise<HealStore>, announcer: Announcer, now: () => number = Date.now) {
  return fromPromise<HealStateLoad, { names: string[] }>(async ({ input }) => {
    const states = await (await stores).loadAll(input.names);
    announcer.restored(states);
    return { states, at: now() };
  });
}
