// Which actor kinds exist and how an actor name maps to its kind: `runner-3` is a runner.
// Kinds load on demand, so each actor process imports only its own kind's modules: a watchdog
// does not carry octokit, nor a bridge the agent adapter (memory in every process of the tree).
import { UsageError } from '../errors.js';
import type { ActorKind } from './host.js';
import { parseActorName } from '../contracts/index.js';

export const ACTOR_KINDS: Record<string, () => Promise<ActorKind>> = {
  watchdog: async () => (await import('./watchdog.js')).watchdogKind,
  missions: async () => (await import('./missions.js')).missionsKind,
  bridge: async () => (await import('./bridge.js')).bridgeKind,
  chat: async () => (await import('./chat.js')).chatKind,
  runner: async () => (await import('./runner.js')).runnerKind,
  'pr-poller': async () => (await import('./prPoller.js')).prPollerKind,
  webhook: async () => (await import('./webhook.js')).webhookKind,
  web: async () => (await import('./web.js')).webKind,
};

export async function kindOf(name: string): Promise<ActorKind> {
  const base = parseActorName(name)?.kind ?? name;
  const load = ACTOR_KINDS[base];
  if (!load) {
    throw new UsageError(
      `unknown actor ${JSON.stringify(name)}; known: ${Object.keys(ACTOR_KINDS).join(', ')} (runners are runner-1, runner-2, …)`,
    );
  }
  return load();
}
