// Where a lease lives: a KV bucket of its own (<prefix>_lease_<name>, nats.replicas copies)
// holding one key. Its writes are compare-and-set on the STREAM's last sequence, not the key's
// (which KV update uses): on a clustered stream nats-server before 2.9.21 lets two concurrent
// writes expecting the same subject sequence both through (nats-server issue 4320), while the
// stream-level check is made against the writes still in flight. With one key per bucket the
// two sequences are the same number. docs/scale-out.md#leases
import { JsonKv, RevisionConflictError, type Entry } from './kv.js';
import type { Bus } from './bus.js';
import { encode } from './codec.js';
import type { LeaseRecord, LeaseStore } from './lease.js';
import { leaseBucketName } from './leaseName.js';

export { leaseBucketName };

/** The record a lease bucket starts with: free, held by no one. */
const FREE: LeaseRecord = { holder: '', deadline: 0, renewals: 0, since: 0 };

export class LeaseBucket implements LeaseStore {
  private constructor(
    private readonly bus: Bus,
    private readonly bucket: string,
    private readonly kv: JsonKv,
  ) {}

  /** Opens the bucket of lease `name` (created at nats.replicas); use it for that one lease's key. */
  static async open(bus: Bus, name: string): Promise<LeaseBucket> {
    const bucket = leaseBucketName(bus.prefix, name);
    return new LeaseBucket(bus, bucket, await JsonKv.open(bus, bucket));
  }

  /** The key's record; a key never written is first written free (see create). */
  async get<T>(key: string): Promise<Entry<T> | undefined> {
    const entry = await this.kv.get<T>(key);
    if (entry) return entry;
    await this.seed(key);
    return this.kv.get<T>(key);
  }

  /**
   * Never creates a held lease: two creates racing on a clustered stream could both land. It
   * writes the free record instead (harmless if two land) and reports a conflict, so the
   * contender reads again and takes the lease by update.
   */
  async create(key: string): Promise<number> {
    await this.seed(key);
    throw new RevisionConflictError(`${key} was absent: written free, read it again`);
  }

  async update(key: string, value: unknown, revision: number): Promise<number> {
    try {
      const ack = await this.bus
        .jetstream()
        .publish(`$KV.${this.bucket}.${key}`, encode(value), { expect: { lastSequence: revision } });
      return ack.seq;
    } catch (error) {
      if (/wrong last sequence/i.test((error as Error).message ?? '')) {
        throw new RevisionConflictError(`${key} changed since revision ${revision}`);
      }
      throw error;
    }
  }

  private async seed(key: string): Promise<void> {
    try {
      await this.bus
        .jetstream()
        .publish(`$KV.${this.bucket}.${key}`, encode(FREE), { expect: { lastSubjectSequence: 0 } });
    } catch (error) {
      // Another contender wrote it first: just as good.
      if (!/wrong last sequence/i.test((error as Error).message ?? '')) throw error;
    }
  }
}
