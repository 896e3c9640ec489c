// The supervisor's watch over a fresh /update: every child started after the `current` link
// switched runs the new build; the first one that does not reach running within readyTimeout
// (it crashed, or the child machine gave up waiting for its heartbeat) switches the link back, so
// the next start — and the drift rolls that follow — return the tree to the previous build.
// Once every child ran on the new build the switch is confirmed (docs/operations.md#updating).
import type { AnyActorRef, Subscription } from 'xstate';
import { stateName, type ChildSnapshot } from '../../machines/childStatus.js';
import type { Logger } from '../log.js';
import { judgeStart } from '../update/rollbackDecision.js';
import { linkTarget, switchLink } from '../update/releaseLink.js';
import { readSwitchRecord, writeSwitchRecord } from '../update/switchRecord.js';
import { NATS_CHILD } from './tree.js';
import { childMachines, type SupervisorActor } from './treeView.js';

export interface ReleaseGuardOptions {
  root: SupervisorActor;
  stateDir: string;
  logger: Logger;
  /** A line in the journal (and wherever the host sends it) when the guard acts. */
  journal: (entry: Record<string, unknown>) => void;
}

const NOT_JUDGED = new Set(['stopping', 'stopped']);

/** Call before the machine starts; the returned function ends the watch. */
export function guardRelease({ root, stateDir, logger, journal }: ReleaseGuardOptions): () => void {
  const watched = new Map<string, Subscription>();
  const previous = new Map<string, string>();
  const startedAt = new Map<string, number>();
  let onNewBuild: string[] = [];

  const onChild = (name: string, snapshot: ChildSnapshot) => {
    // The machine's other actors (its heal-state loader) are no children: they have no state value.
    if (snapshot.value === undefined) return;
    const state = stateName(snapshot);
    const before = previous.get(name);
    previous.set(name, state);
    if (state === 'starting' && before !== 'starting') startedAt.set(name, Date.now());
    if (before !== 'starting' || state === 'starting' || NOT_JUDGED.has(state)) return;
    const record = readSwitchRecord(stateDir);
    const verdict = judgeStart(
      record,
      linkTarget(stateDir),
      {
        child: name,
        startedAt: startedAt.get(name) ?? 0,
        reachedRunning: state === 'running',
        ...(snapshot.context.reason ? { reason: snapshot.context.reason } : {}),
      },
      onNewBuild,
      [...previous.keys()].filter((c) => c !== NATS_CHILD),
    );
    logger.debug(
      { child: name, state, verdict: verdict.kind, switched: record?.state },
      'release guard: child left starting',
    );
    if (!record || verdict.kind === 'none') return;
    if (verdict.kind === 'progress') onNewBuild = verdict.onNewBuild;
    else if (verdict.kind === 'confirm') {
      writeSwitchRecord(stateDir, { ...record, state: 'confirmed' });
      journal({ type: 'release', kind: 'confirmed', to: record.to, buildId: record.buildId });
      logger.info({ release: record.to, buildId: record.buildId }, 'every actor runs the new build');
    } else {
      switchLink(stateDir, record.from);
      writeSwitchRecord(stateDir, { ...record, state: 'rolledBack', reason: verdict.reason });
      journal({ type: 'release', kind: 'rolledBack', from: record.to, to: record.from, detail: verdict.reason });
      logger.warn({ release: record.to, back: record.from }, `update rolled back: ${verdict.reason}`);
      onNewBuild = [];
    }
  };

  const watchChildren = () => {
    for (const [name, ref] of Object.entries(childMachines(root) as Record<string, AnyActorRef>)) {
      if (watched.has(name)) continue;
      // A freshly spawned child has not started: its first state arrives through the subscription.
      watched.set(
        name,
        ref.subscribe((snapshot) => safely(() => onChild(name, snapshot as ChildSnapshot))),
      );
    }
  };
  // An observer that throws would take the supervisor down with it: the guard only logs.
  const safely = (fn: () => void) => {
    try {
      fn();
    } catch (error) {
      logger.warn({ err: error }, 'release guard failed');
    }
  };
  const rootWatch = root.subscribe({ next: () => safely(watchChildren), error: () => {} });
  return () => {
    rootWatch.unsubscribe();
    for (const subscription of watched.values()) subscription.unsubscribe();
  };
}
