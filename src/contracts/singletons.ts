// Which actors must run once in the whole system, and the leases each must hold to work
// (docs/scale-out.md#singleton-leases). Read by the actor host and by the permissions table.
import { parseActorName, type ActorKindName } from './actorName.js';
import { PROVIDER_NAMES } from './chatProviders.js';

/**
 * Kinds that must run once in the whole system. Not chat (a queue group serves chat.req) nor the
 * web page (it acts only on an operator's clicks, through the same requests the CLI makes).
 */
export const SINGLETON_KINDS: ReadonlySet<ActorKindName> = new Set(['missions', 'pr-poller', 'bridge', 'webhook']);

/** The lease of one chat provider: the bridge for a given provider is the singleton, not the bridge. */
export function bridgeLeaseName(provider: string): string {
  return `bridge-${provider}`;
}

/**
 * The leases actor `name` may hold to work: its kind's, or a bridge's one per chat provider
 * (of `providers`, by default every provider roshi knows); none when it is not a singleton or
 * not host-qualified.
 */
export function singletonLeaseNames(name: string, providers: readonly string[] = PROVIDER_NAMES): string[] {
  const parsed = parseActorName(name);
  if (!parsed || parsed.host === '' || !SINGLETON_KINDS.has(parsed.kind)) return [];
  return parsed.kind === 'bridge' ? providers.map(bridgeLeaseName) : [parsed.kind];
}
