// The providers' line of `/status`: each chat provider up, degraded with its reason (a provider
// that cannot receive or send, docs/chat.md#provider-health), still starting, or in standby
// because another host's bridge holds its lease (docs/scale-out.md#singleton-leases).
import type { ProviderHealth } from '../../machines/bridge.js';

export function providersLine(
  providers: Record<string, ProviderHealth>,
  standby: Record<string, { holder: string | null }> = {},
): string {
  const waiting = Object.entries(standby).map(
    ([name, s]) => `${name} ⏸ standby${s.holder ? ` (served by ${s.holder.split('/')[0]})` : ''}`,
  );
  const parts = Object.entries(providers).map(([name, p]) =>
    p.state === 'up'
      ? `${name} ✅`
      : `${name} ${p.state === 'failing' ? '⚠ degraded' : `… ${p.state}`}${p.lastError ? ` (${p.lastError.slice(0, 80)})` : ''}`,
  );
  return `chat providers: ${[...parts, ...waiting].join(' · ') || 'none'}`;
}
