// The whole system's status: every supervisor answers `sup.status` for its own host's tree
// (docs/scale-out.md#hosts-and-names). A single host asks as it always did; several hosts are
// gathered (Bus.requestAll) and shown grouped by host, each host's supervisor first.
import { parseActorName } from '../contracts/actorName.js';
import { formatStatus, type StatusExtras, type TreeStatus } from './status.js';

/** What asking needs: a plain request, and (for several hosts) a scatter-gather one. */
export interface StatusAsker {
  request<T>(subject: string, payload: Record<string, unknown>): Promise<T>;
  requestAll?<T>(subject: string, payload: Record<string, unknown>): Promise<T[]>;
}

export const hostOf = (status: TreeStatus): string => status.supervisor.host ?? '';

/**
 * Every host's tree, ordered by host id. `hostId` is the asker's own host.id: '' (a single
 * host) asks one supervisor, exactly as before hosts existed.
 */
export async function askSystemStatus(
  asker: StatusAsker,
  subject: string,
  hostId: string | undefined,
): Promise<TreeStatus[]> {
  if (hostId === '' || !asker.requestAll) return [await asker.request<TreeStatus>(subject, {})];
  const replies = await asker.requestAll<TreeStatus>(subject, {});
  return [...replies].sort((a, b) => hostOf(a).localeCompare(hostOf(b)));
}

/**
 * One tree for the views that show one list of children (the chat's /status, the live page,
 * `status --watch`): the first host's supervisor, every host's children.
 */
export function mergedStatus(statuses: readonly TreeStatus[]): TreeStatus {
  const [first, ...rest] = statuses;
  if (!first) throw new Error('mergedStatus: no status');
  if (rest.length === 0) return first;
  return { ...first, children: statuses.flatMap((s) => s.children) };
}

/** `roshi status`: one tree as always; several hosts as one block per host, by host id. */
export function formatSystemStatus(statuses: readonly TreeStatus[], extras: StatusExtras = {}): string {
  if (statuses.length === 1) return formatStatus(statuses[0]!, extras);
  return statuses
    .map((status) => {
      const host = hostOf(status);
      const openBreakers = (extras.openBreakers ?? []).filter((b) => (parseActorName(b.runner)?.host ?? '') === host);
      return `host ${host || '(none)'}\n${formatStatus(status, { ...extras, openBreakers })}`;
    })
    .join('\n\n');
}
