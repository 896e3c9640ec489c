// The chat providers roshi knows, by the name bridge.providers gives them. Here, not in the
// adapters, because the lease names and the permissions table (both pure) need them too.

export const PROVIDER_NAMES = ['console', 'telegram', 'slack', 'matrix', 'discord'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The known providers of a bridge.providers list, as the bridge reads it (trimmed, lower case, once each). */
export function configuredProviders(list: readonly string[]): ProviderName[] {
  const known = new Set<string>(PROVIDER_NAMES);
  const names = list.map((raw) => raw.trim().toLowerCase()).filter((name) => known.has(name));
  return [...new Set(names)] as ProviderName[];
}
