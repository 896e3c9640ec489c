// The PR poller's ETag cache: the last answer to each GET, by URL, replayed when GitHub says
// 304 Not Modified. Bounded (least recently used goes first) and in memory only: after a
// restart the first poll is a full one, which is one request per URL, not worth a KV round trip
// for every answer.
import type { CachedResponse, ConditionalCache } from './types.js';

export class EtagCache implements ConditionalCache {
  private readonly entries = new Map<string, CachedResponse>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries = 2_000) {}

  get(url: string): CachedResponse | undefined {
    const entry = this.entries.get(url);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    // Map keeps insertion order: re-inserting marks the entry as most recently used.
    this.entries.delete(url);
    this.entries.set(url, entry);
    this.hits++;
    return entry;
  }

  set(url: string, response: CachedResponse): void {
    this.entries.delete(url);
    this.entries.set(url, response);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
