// A machine definition as the page draws it: every state node (with its parent, for compound
// states) and every transition (event → targets), read from the XState machine itself, so the
// drawing can never disagree with the code. The page lays it out with elkjs.
import type { AnyStateMachine } from 'xstate';
import { bridgeMachine } from '../../machines/bridge.js';
import { chatMachine } from '../../machines/chat.js';
import { childSupervisionMachine } from '../../machines/childSupervision.js';
import { missionsStewardMachine } from '../../machines/missionsSteward.js';
import { prPollerMachine } from '../../machines/prPoller.js';
import { runnerMachine } from '../../machines/runner.js';
import { watchdogMachine } from '../../machines/watchdog.js';
import { webMachine } from '../../machines/web.js';
import { webhookMachine } from '../../machines/webhook.js';
import { parseActorName } from '../contracts/index.js';

export interface GraphState {
  /** Dotted path from the root, e.g. `stopping.asking`; the root itself is ''. */
  id: string;
  parent: string | null;
  key: string;
  final: boolean;
  initial: boolean;
}

export interface GraphTransition {
  source: string;
  target: string;
  /** The event as the page labels it (`after poll`), and as XState names it (what inspection reports). */
  event: string;
  type: string;
}

export interface MachineGraph {
  machine: string;
  states: GraphState[];
  transitions: GraphTransition[];
}

/** What each child of the tree runs, by kind; `supervision` is the supervisor's machine per child. */
const MACHINES: Record<string, AnyStateMachine> = {
  watchdog: watchdogMachine,
  missions: missionsStewardMachine,
  bridge: bridgeMachine,
  chat: chatMachine,
  runner: runnerMachine,
  'pr-poller': prPollerMachine,
  webhook: webhookMachine,
  web: webMachine,
  supervision: childSupervisionMachine,
};

export function machineKindOf(actor: string): string {
  return parseActorName(actor)?.kind ?? actor;
}

interface NodeLike {
  key: string;
  path: string[];
  type: string;
  parent?: NodeLike;
  initial?: { target: NodeLike[] };
  states: Record<string, NodeLike>;
  transitions: Map<string, Array<{ target?: NodeLike[] }>>;
  always?: Array<{ target?: NodeLike[] }>;
}

/** After-timers read better as `after 5s` than as xstate's internal event names. */
function eventLabel(event: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1]}`;
  // xstate.done.actor.0.runner.busy.preparing: the invoked actor of `preparing` is done.
  const invoked = /^xstate\.(done|error)\.(?:actor|state)\.(.+)$/.exec(event);
  if (invoked) return `${invoked[1]}: ${invoked[2]!.split('.').pop()}`;
  return event;
}

export function graphOf(machine: AnyStateMachine, name: string): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: NodeLike) => {
    const id = node.path.join('.');
    const initialTargets = node.parent?.initial?.target ?? [];
    states.push({
      id,
      parent: node.parent ? node.parent.path.join('.') : null,
      key: node.key,
      final: node.type === 'final',
      initial: initialTargets.includes(node),
    });
    for (const [event, list] of node.transitions)
      for (const t of list)
        for (const target of t.target ?? [])
          transitions.push({ source: id, target: target.path.join('.'), event: eventLabel(event), type: event });
    for (const t of node.always ?? [])
      for (const target of t.target ?? [])
        transitions.push({ source: id, target: target.path.join('.'), event: 'always', type: 'always' });
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root as unknown as NodeLike);
  return { machine: name, states, transitions };
}

const cache = new Map<string, MachineGraph>();

/** The graph of an actor's machine (`runner-2` → the runner's), or undefined for an unknown one. */
export function actorGraph(actorOrKind: string): MachineGraph | undefined {
  const kind = machineKindOf(actorOrKind);
  const machine = MACHINES[kind];
  if (!machine) return undefined;
  let graph = cache.get(kind);
  if (!graph) cache.set(kind, (graph = graphOf(machine, kind)));
  return graph;
}
