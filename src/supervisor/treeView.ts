// Reading the running supervisor machine: one child machine by name, and every child's snapshot.
import type { Actor, AnyActorRef } from 'xstate';
import type { ChildSnapshot } from '../../machines/childStatus.js';
import { SELF_WATCH_ID, type supervisorMachine } from '../../machines/supervisor.js';

export type SupervisorActor = Actor<typeof supervisorMachine>;

export interface TreeView {
  root: SupervisorActor;
  childRef: (name: string) => AnyActorRef | undefined;
  childSnapshots: () => ChildSnapshot[];
}

export function treeView(root: SupervisorActor): TreeView {
  return {
    root,
    // Children are spawned with their name as systemId.
    childRef: (name) => root.system.get(name) as AnyActorRef | undefined,
    childSnapshots: () => Object.values(childMachines(root)).map((ref) => ref.getSnapshot() as ChildSnapshot),
  };
}

/** The child-supervision machines by name: the machine's children without the invoked self-watch. */
export function childMachines(root: AnyActorRef): Record<string, AnyActorRef> {
  const { [SELF_WATCH_ID]: _selfWatch, ...children } = (root.getSnapshot() as { children: Record<string, AnyActorRef> })
    .children;
  return children;
}
