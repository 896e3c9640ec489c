// The answer of the bridge's `providers` control verb (docs/chat.md#provider-health): the machine
// state, each provider's health and counters, and with host.id set which providers this bridge
// serves and which wait in standby, with the holder its last try of their lease found.
import type { BridgeContext } from '../../machines/bridge.js';
import type { MessagingProvider } from '../adapters/messaging/index.js';
import type { ProviderChannel } from './channel.js';
import type { Outboxes } from './outboxes.js';
import type { ProviderLeases } from './providerLeases.js';

export interface ProvidersReportParts {
  state: string;
  level: string;
  names: readonly string[];
  context: BridgeContext | undefined;
  leases: ProviderLeases | undefined;
  providerOf: (name: string) => MessagingProvider | undefined;
  channelOf: (name: string) => ProviderChannel | undefined;
  outboxes: Outboxes;
  inbound: unknown;
}

export function providersReport(parts: ProvidersReportParts) {
  const { context, leases, providerOf, channelOf } = parts;
  const standby = leases?.standby() ?? {};
  const health = (name: string) =>
    standby[name]
      ? { state: 'standby', heldBy: standby[name].holder }
      : (context?.providers[name] ?? { state: 'unknown' });
  return {
    state: parts.state,
    level: parts.level,
    ...(leases ? { serving: leases.serving(), standby } : {}),
    providers: Object.fromEntries(
      parts.names.map((name) => [
        name,
        {
          ...health(name),
          maxLength: providerOf(name)?.maxLength ?? null,
          defaultChatId: providerOf(name)?.defaultChatId ?? null,
          send: channelOf(name)?.stats ?? null,
          receive: providerOf(name)?.receiving?.() ?? null,
        },
      ]),
    ),
    outbox: { ...(context?.outbox ?? {}), ...parts.outboxes.stats() },
    inbound: parts.inbound,
  };
}
