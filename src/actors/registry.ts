// Which actor kinds exist and how an actor name maps to its kind: `runner-3` is a runner.
import { actorLifecycleMachine } from '../../machines/actorLifecycle.js';
import { UsageError } from '../errors.js';
import { chatKind } from './chat.js';
import type { ActorKind } from './host.js';
import { missionsKind } from './missions.js';
import { runnerKind } from './runner.js';
import { watchdogKind } from './watchdog.js';

/** An actor whose only behaviour so far is its lifecycle (heartbeat, control, drain). */
const lifecycleOnly = (description: string): ActorKind => ({
  description,
  create: () => ({ machine: actorLifecycleMachine, drainEvent: { type: 'DRAIN' } }),
});

export const ACTOR_KINDS: Record<string, ActorKind> = {
  watchdog: watchdogKind,
  missions: missionsKind,
  bridge: lifecycleOnly('chat providers in and out, commands, durable outbox'),
  chat: chatKind,
  runner: runnerKind,
  'pr-poller': lifecycleOnly('follows own pull requests on GitHub'),
};

export function kindOf(name: string): ActorKind {
  const base = /^runner-\d+$/.test(name) ? 'runner' : name;
  const kind = ACTOR_KINDS[base];
  if (!kind) {
    throw new UsageError(`unknown actor ${JSON.stringify(name)}; known: ${Object.keys(ACTOR_KINDS).join(', ')} (runners are runner-1, runner-2, …)`);
  }
  return kind;
}
