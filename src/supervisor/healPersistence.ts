// Writes each child's heal state to KV whenever it changes, so the next supervisor start
// remembers crash loops and open circuits. Never for nats (it holds the store), and not while
// the tree is stopping.
import type { AnyActorRef } from 'xstate';
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
