// Reading the running supervisor machine: one child machine by name, and every child's snapshot.
import type { Actor, AnyActorRef } from 'xstate';
import type { ChildSnapshot } from '../../machines/childStatus.js';
import type { supervisorMachine } from '../../machines/supervisor.js';

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
    childSnapshots: () => Object.values(root.getSnapshot().children as Record<string, AnyActorRef>).map((ref) => ref.getSnapshot() as ChildSnapshot),
  };
}
