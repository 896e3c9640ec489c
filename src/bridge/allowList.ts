// Who may command roshi: bridge.allowedUsers entries "<provider>:<user id>" or "<provider>:*".
// Everything else is refused before it is parsed, so nothing from a stranger ever runs. The
// provider part is compared case-insensitively (it is roshi's own name for it); the user id
// exactly, as the provider spells it (Matrix ids contain a colon: "matrix:@ana:example.org").

export class AllowList {
  private readonly exact = new Set<string>();
  private readonly everyone = new Set<string>();

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      const colon = entry.indexOf(':');
      if (colon <= 0 || colon === entry.length - 1) continue; // not "<provider>:<user>": matches nobody
      const provider = entry.slice(0, colon).toLowerCase();
      const user = entry.slice(colon + 1);
      if (user === '*') this.everyone.add(provider);
      else this.exact.add(`${provider}:${user}`);
    }
  }

  allows(provider: string, userId: string): boolean {
    const p = provider.toLowerCase();
    return this.everyone.has(p) || this.exact.has(`${p}:${userId}`);
  }

  /** Entries that can never match, for a warning at start. */
  static invalidEntries(entries: readonly string[]): string[] {
    return entries.filter((raw) => {
      const entry = raw.trim();
      const colon = entry.indexOf(':');
      return colon <= 0 || colon === entry.length - 1;
    });
  }
}
