// What an actor's name says: its host (when the installation spans several hosts) and its kind.
// `runner-2` on a single host; `h2-runner-2` on host h2 (docs/scale-out.md#hosts-and-names).
// Every place that needs to know whether a name is a runner, or whose it is, asks here.

/** The actor kinds a tree can have; a runner's local name is `runner-<n>`. */
export const ACTOR_KIND_NAMES = [
  'supervisor',
  'watchdog',
  'missions',
  'bridge',
  'chat',
  'runner',
  'pr-poller',
  'webhook',
  'web',
] as const;
export type ActorKindName = (typeof ACTOR_KIND_NAMES)[number];

/** A host id: short, lower case, and never mistakable for the kind that follows it. */
export const HOST_ID_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

export interface ParsedActorName {
  /** The host id, or '' for a single-host installation's unqualified name. */
  host: string;
  /** The name within its host: `runner-2`, `missions`. */
  local: string;
  kind: ActorKindName;
}

const LOCAL = '(supervisor|watchdog|missions|bridge|chat|runner-\\d+|pr-poller|webhook|web)';
const NAME = new RegExp(`^(?:([a-z][a-z0-9]{0,15})-)?${LOCAL}$`);

/** The name of local actor `local` on host `host` ('' = single host: the name as is). */
export function actorName(host: string, local: string): string {
  return host === '' ? local : `${host}-${local}`;
}

/** The parts of an actor name, or undefined when it is not one roshi gives. */
export function parseActorName(name: string): ParsedActorName | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const local = match[2]!;
  const kind = (local.startsWith('runner-') ? 'runner' : local) as ActorKindName;
  return { host: match[1] ?? '', local, kind };
}

export function isRunnerName(name: string): boolean {
  return parseActorName(name)?.kind === 'runner';
}

/** Is `name` an actor of host `host` ('' = the single host)? */
export function isOnHost(name: string, host: string): boolean {
  return parseActorName(name)?.host === host;
}
