// Who runs in the default test tree (one runner instance per slot, every actor enabled), so the
// e2e files that check the whole tree name the same actors in the same start order.
import type { Bus } from '../../src/bus/index.js';

/** The actors the supervisor starts after nats, in start order (runner at two instances). */
export const DEFAULT_ACTORS = ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'runner-2', 'pr-poller', 'web'];

/** The NATS services of that tree, sorted: missions runs two (its bus API and the operator's). */
export const DEFAULT_SERVICES = [
  'roshi-bridge',
  'roshi-chat',
  'roshi-missions',
  'roshi-missions-api',
  'roshi-pr-poller',
  'roshi-runner-1',
  'roshi-runner-2',
  'roshi-supervisor',
  'roshi-watchdog',
  'roshi-web',
];

/** The names that answer one $SRV.PING, each once, sorted. */
export async function serviceNames(bus: Bus): Promise<string[]> {
  const names = new Set<string>();
  for await (const info of await bus.nc.services.client().ping()) names.add(info.name);
  return [...names].sort();
}
