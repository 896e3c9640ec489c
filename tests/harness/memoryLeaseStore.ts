// An in-memory compare-and-set store for the lease rules' unit tests (tests/unit/lease.test.ts,
// tests/unit/singletonLease.test.ts): revisions as KV gives them, and an acknowledgement that can
// be "lost" after the write landed.
import { RevisionConflictError, type Entry } from '../../src/bus/kv.js';
import type { LeaseRecord, LeaseStore } from '../../src/bus/lease.js';

export class MemoryLeaseStore implements LeaseStore {
  private readonly entries = new Map<string, Entry<unknown>>();
  private revision = 0;
  /** When set, the next update is applied but its acknowledgement "lost" (throws). */
  loseNextAck = false;

  async get<T>(key: string): Promise<Entry<T> | undefined> {
    return this.entries.get(key) as Entry<T> | undefined;
  }
  async create(key: string, value: unknown): Promise<number> {
    if (this.entries.has(key)) throw new RevisionConflictError(`${key} exists already`);
    return this.write(key, value);
  }
  async update(key: string, value: unknown, revision: number): Promise<number> {
    if (this.entries.get(key)?.revision !== revision) throw new RevisionConflictError(`${key} changed`);
    const written = this.write(key, value);
    if (this.loseNextAck) {
      this.loseNextAck = false;
      throw new Error('TIMEOUT');
    }
    return written;
  }
  record(key: string): LeaseRecord {
    return this.entries.get(key)!.value as LeaseRecord;
  }
  private write(key: string, value: unknown): number {
    this.entries.set(key, { key, value: structuredClone(value), revision: ++this.revision });
    return this.revision;
  }
}
