// A lease in a KV key: one holder at a time, until a deadline it keeps pushing forward. Every
// write is compare-and-set, so of two contenders only one wins; the holder counts itself holding
// only until the deadline of its last acknowledged write, and a contender takes over only once
// that deadline has passed on its clock. Rules and the clock-skew margin:
// docs/scale-out.md#leases
import { RoshiError } from '../errors.js';
import { RevisionConflictError, type Entry } from './kv.js';

/** What the key holds. */
export interface LeaseRecord {
  holder: string;
  /** Epoch ms; the lease is free once the clock passes it (0 after a release). */
  deadline: number;
  /** Renewals since this holder acquired it. */
  renewals: number;
  /** When this holder acquired it. */
  since: number;
}

/** Another holder has the lease (or it was never held): stop what the lease guards. */
export class LeaseLost extends RoshiError {
  override readonly code = 'lease_lost';
}

/** The compare-and-set operations of JsonKv the lease needs. */
export interface LeaseStore {
  get<T>(key: string): Promise<Entry<T> | undefined>;
  create(key: string, value: unknown): Promise<number>;
  update(key: string, value: unknown, revision: number): Promise<number>;
}

export interface LeaseOptions {
  store: LeaseStore;
  key: string;
  /** Unique per process incarnation (host, actor, pid…): two processes must never share it. */
  holder: string;
  /** How long an acquisition or renewal holds. */
  ttlMs: number;
  now?: () => number;
}

export class Lease {
  private readonly now: () => number;
  /** Our last acknowledged write and its revision, while we may hold the lease. */
  private held: { record: LeaseRecord; revision: number } | undefined;
  /** The record the last failed acquire found: whose it was and until when. */
  private seen: LeaseRecord | undefined;

  constructor(private readonly options: LeaseOptions) {
    this.now = options.now ?? Date.now;
  }

  get holder(): string {
    return this.options.holder;
  }

  /** True until the deadline of our last acknowledged write: act on the lease only while it is. */
  holds(): boolean {
    return this.held !== undefined && this.now() < this.held.record.deadline;
  }

  /** Our deadline, or undefined when we do not hold the lease. */
  deadline(): number | undefined {
    return this.holds() ? this.held!.record.deadline : undefined;
  }

  /** The holder and deadline another process had when our last acquire failed (to wait until it). */
  lastSeen(): Pick<LeaseRecord, 'holder' | 'deadline'> | undefined {
    return this.seen && { holder: this.seen.holder, deadline: this.seen.deadline };
  }

  /**
   * Takes the lease when the key is absent, its deadline has passed, or it is already ours;
   * false when another holder's deadline is still ahead or a contender won the race.
   */
  async acquire(): Promise<boolean> {
    const { store, key, holder } = this.options;
    const entry = await store.get<LeaseRecord>(key);
    const at = this.now();
    this.seen = entry?.value;
    if (entry && entry.value.holder !== holder && at < entry.value.deadline) {
      this.held = undefined;
      return false;
    }
    const mine = entry?.value.holder === holder && at < entry.value.deadline;
    const record: LeaseRecord = mine
      ? { ...entry!.value, deadline: at + this.options.ttlMs, renewals: entry!.value.renewals + 1 }
      : { holder, deadline: at + this.options.ttlMs, renewals: 0, since: at };
    try {
      const revision = entry ? await store.update(key, record, entry.revision) : await store.create(key, record);
      this.held = { record, revision };
      return true;
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
      this.held = undefined;
      return false;
    }
  }

  /**
   * Pushes the deadline forward by compare-and-set on our revision. LeaseLost when another
   * holder took the key; any other error (the bus down, a leader election) leaves us holding
   * until the current deadline, and the next renew tries again.
   */
  async renew(): Promise<void> {
    const { store, key, holder } = this.options;
    if (!this.held) throw new LeaseLost(`${holder} does not hold ${key}`);
    const at = this.now();
    const record = { ...this.held.record, deadline: at + this.options.ttlMs, renewals: this.held.record.renewals + 1 };
    try {
      const revision = await store.update(key, record, this.held.revision);
      this.held = { record, revision };
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
      await this.recover(at);
    }
  }

  /** Frees the key for the next contender at once; a no-op when we do not hold it. */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    try {
      await this.options.store.update(this.options.key, { ...held.record, deadline: 0 }, held.revision);
    } catch (error) {
      // Someone else holds it already: nothing of ours to free.
      if (!(error instanceof RevisionConflictError)) throw error;
    }
  }

  /**
   * A renew lost its compare-and-set. A write of ours whose acknowledgement was lost (a timeout
   * during a leader election) moves the revision too: if the key still names us, adopt it and
   * renew again; if it names another holder, the lease is lost.
   */
  private async recover(at: number): Promise<void> {
    const { store, key, holder } = this.options;
    const entry = await store.get<LeaseRecord>(key);
    if (!entry || entry.value.holder !== holder || entry.value.deadline === 0 || entry.value.deadline <= at) {
      this.held = undefined;
      throw new LeaseLost(`${key} is held by ${entry?.value.holder ?? 'no one'} now, not ${holder}`);
    }
    const record = { ...entry.value, deadline: at + this.options.ttlMs, renewals: entry.value.renewals + 1 };
    try {
      this.held = { record, revision: await store.update(key, record, entry.revision) };
    } catch (error) {
      this.held = undefined;
      if (error instanceof RevisionConflictError) throw new LeaseLost(`${key} changed under ${holder} twice`);
      throw error;
    }
  }
}
