// The providers' line of `/status`: each chat provider up, degraded with its reason (a provider
// that cannot receive or send, docs/chat.md#provider-health), or still starting.
import type { ProviderHealth } from '../../machines/bridge.js';

export function providersLine(providers: Record<string, ProviderHealth>): string {
  const parts = Object.entries(providers).map(([name, p]) =>
    p.state === 'up'
      ? `${name} ✅`
      : `${name} ${p.state === 'failing' ? '⚠ degraded' : `… ${p.state}`}${p.lastError ? ` (${p.lastError.slice(0, 80)})` : ''}`,
  );
  return `chat providers: ${parts.join(' · ') || 'none'}`;
}
