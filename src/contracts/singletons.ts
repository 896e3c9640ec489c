// Which actors must run once in the whole system, and the lease each must hold to work
// (docs/scale-out.md#singleton-leases). Read by the actor host and by the permissions table.
import { parseActorName, type ActorKindName } from './actorName.js';

/**
 * Kinds that must run once in the whole system. Not chat (a queue group serves chat.req) nor the
 * web page (it acts only on an operator's clicks, through the same requests the CLI makes).
 */
export const SINGLETON_KINDS: ReadonlySet<ActorKindName> = new Set(['missions', 'pr-poller', 'bridge', 'webhook']);

/** The lease actor `name` must hold to work (its kind), or undefined: not a singleton, or not host-qualified. */
export function singletonLeaseName(name: string): string | undefined {
  const parsed = parseActorName(name);
  return parsed && parsed.host !== '' && SINGLETON_KINDS.has(parsed.kind) ? parsed.kind : undefined;
}
