// A host taken out of service (`roshi drain <host>`): one record per host in KV <prefix>_state,
// key `drain.<host>`, written by the operator; while it is there that host's runners claim
// nothing, and its supervisor leaves once they are idle (docs/scale-out.md#add-and-drain-a-host).
// Also the runner's answer to its supervisor's "are you idle for the drain?" question.
import { HOST_ID_PATTERN } from './actorName.js';

/** `draining`: runners finish and claim no more; `left`: the host's supervisor stopped its tree. */
export type DrainState = 'draining' | 'left';

export interface DrainRecord {
  /** The host id; '' for a single-host installation. */
  host: string;
  state: DrainState;
  /** Who asked (the CLI's --by, else user@machine). */
  by: string;
  /** When it was asked (ms since the epoch). */
  at: number;
  reason?: string;
  /** When the host's supervisor stopped its tree. */
  leftAt?: number;
}

export const DRAIN_KEY_PREFIX = 'drain.';
/** A single-host installation's key: `_` is never a host id, so no host's key can collide with it. */
const SINGLE_HOST = '_';

export function drainKey(host: string): string {
  return `${DRAIN_KEY_PREFIX}${host === '' ? SINGLE_HOST : host}`;
}

/** The host a drain key names, or undefined for a key that is not one. */
export function hostOfDrainKey(key: string): string | undefined {
  if (!key.startsWith(DRAIN_KEY_PREFIX)) return undefined;
  const host = key.slice(DRAIN_KEY_PREFIX.length);
  if (host === SINGLE_HOST) return '';
  return HOST_ID_PATTERN.test(host) ? host : undefined;
}

/** The one validator of a drain record read from KV; undefined when it is not one. */
export function toDrainRecord(value: unknown): DrainRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { host, state, by, at, reason, leftAt } = value as Record<string, unknown>;
  if (typeof host !== 'string' || (host !== '' && !HOST_ID_PATTERN.test(host))) return undefined;
  if (state !== 'draining' && state !== 'left') return undefined;
  if (typeof by !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return undefined;
  if (reason !== undefined && typeof reason !== 'string') return undefined;
  if (leftAt !== undefined && (typeof leftAt !== 'number' || !Number.isFinite(leftAt))) return undefined;
  return {
    host,
    state,
    by,
    at,
    ...(reason ? { reason } : {}),
    ...(leftAt !== undefined ? { leftAt } : {}),
  };
}

/** How a host is named to a person: its id, or "this host" for a single-host installation. */
export function hostLabel(host: string): string {
  return host === '' ? 'this host' : `host ${host}`;
}

/** One line for `status` and the CLI: `host h2 draining since … by alice (kernel update)`. */
export function drainText(record: DrainRecord): string {
  const why = record.reason ? ` (${record.reason})` : '';
  const since = new Date(record.at).toISOString();
  return record.state === 'left'
    ? `${hostLabel(record.host)} drained by ${record.by}${why}: left at ${new Date(record.leftAt ?? record.at).toISOString()}; its runners claim nothing until the drain is undone`
    : `${hostLabel(record.host)} draining since ${since} by ${record.by}${why}: its runners finish their missions and claim no more`;
}

/** The runner control verb the supervisor asks while its host drains. */
export const RUNNER_DRAIN_VERB = 'drain-state';

export interface RunnerDrainReply {
  /** The runner has seen its host's drain record, so its gate holds every claim. */
  drainSeen: boolean;
  /** The runner machine's top state: idle, claiming, busy, paused, breakerOpen, drained. */
  state: string;
  /** The mission in hand, if any. */
  mission: string | null;
}

export function toRunnerDrainReply(value: unknown): RunnerDrainReply | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { drainSeen, state, mission } = value as Record<string, unknown>;
  if (typeof drainSeen !== 'boolean' || typeof state !== 'string') return undefined;
  if (mission !== null && typeof mission !== 'string') return undefined;
  return { drainSeen, state, mission };
}

/**
 * States in which a runner holds no mission and cannot take one while its gate is held: paused
 * stays until a resume, an open breaker's half-open goes to paused, drained is the end.
 */
const IDLE_STATES: ReadonlySet<string> = new Set(['paused', 'breakerOpen', 'drained']);

/** May the supervisor stop this runner for the drain? Only once it has seen the mark and is idle. */
export function idleForDrain(reply: RunnerDrainReply): boolean {
  return reply.drainSeen && reply.mission === null && IDLE_STATES.has(reply.state);
}
