// JSON values in a JetStream KV bucket, with the compare-and-set operations that claims and
// persisted heal state rely on, and a watch that feeds in-memory indexes (the current values
// first, then every change). Buckets are created idempotently.
import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { RoshiError } from '../errors.js';
import { sleep } from '../time/sleep.js';
import { decodeObject, encode } from './codec.js';
import type { Bus } from './bus.js';
import { casScopeOf, type CasScope } from './casScope.js';
import { despiteCreationRace } from './creationRace.js';
import { kvReplicas, placementError, readyBucketStream } from './replication.js';
import { StreamCas } from './streamCas.js';

export class RevisionConflictError extends RoshiError {
  override readonly code = 'conflict';
}

/**
 * A `stream`-scope write (casScope.ts) that lost to writes of other keys every time it tried:
 * the key itself did not move, so trying the same change again is right.
 */
export class BucketBusyError extends RevisionConflictError {}

export interface Entry<T> {
  key: string;
  value: T;
  revision: number;
}

/** One change seen by a watch: a value written (`put`) or a key deleted or purged (`delete`). */
export type KvChange<T> =
  | { operation: 'put'; key: string; revision: number; value: T }
  | { operation: 'delete'; key: string; revision: number; note?: unknown };

export interface KvWatchHandlers<T> {
  onChange: (change: KvChange<T>) => void;
  /** A value that is not a JSON object: reported, then skipped. */
  onBadValue?: (key: string, revision: number, error: Error) => void;
}

export interface KvWatch {
  /** Resolves once every value present when the watch started has been delivered. */
  initialized: Promise<void>;
  /** Resolves when the watch ends (stopped, or the connection closed). */
  done: Promise<void>;
  stop: () => void;
  /** Times the watch was re-established after a reconnect. */
  readonly restarts: number;
}

/** Wait between attempts to re-establish a watch (JetStream may still be recovering its streams). */
const WATCH_RETRY_MS = 250;

export class JsonKv {
  private constructor(
    private readonly kv: KV,
    private readonly nc: NatsConnection,
    /** Set in the `stream` compare-and-set scope: create and update go through it. */
    private readonly streamCas: StreamCas | undefined,
  ) {}

  static async open(bus: Bus, bucket: string, options: { history?: number } = {}): Promise<JsonKv> {
    const js = bus.jetstream();
    // The client looks the bucket up and creates it when missing: another host may be doing so too.
    const kv = await despiteCreationRace(async () => {
      const opened = await js.views.kv(bucket, { history: options.history ?? 1, ...kvReplicas(bus) });
      await readyBucketStream(bus, bucket);
      return opened;
    }).catch((error: unknown) => Promise.reject(placementError(error, bus, `KV_${bucket}`)));
    const scope = await casScopeOf(bus, bucket);
    const streamCas = scope === 'stream' ? new StreamCas(js, await bus.jetstreamManager(), bucket) : undefined;
    return new JsonKv(kv, bus.nc, streamCas);
  }

  /** What create and update compare (docs/scale-out.md#compare-and-set-scope). */
  get casScope(): CasScope {
    return this.streamCas ? 'stream' : 'subject';
  }

  async get<T>(key: string): Promise<Entry<T> | undefined> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    return { key, value: decodeObject(entry.value) as T, revision: entry.revision };
  }

  async put(key: string, value: unknown): Promise<number> {
    return this.kv.put(key, encode(value));
  }

  /** Writes only when the key does not exist yet. */
  async create(key: string, value: unknown): Promise<number> {
    if (this.streamCas) return this.streamWrite(key, value, 0, `${key} exists already`);
    try {
      return await this.kv.create(key, encode(value));
    } catch (error) {
      throw conflictOr(error, `${key} exists already`);
    }
  }

  /** Writes only when the key is still at `revision` (compare-and-set). */
  async update(key: string, value: unknown, revision: number): Promise<number> {
    if (this.streamCas) {
      if (revision <= 0) throw new Error('version must be greater than 0');
      return this.streamWrite(key, value, revision, `${key} changed since revision ${revision}`);
    }
    try {
      return await this.kv.update(key, encode(value), revision);
    } catch (error) {
      throw conflictOr(error, `${key} changed since revision ${revision}`);
    }
  }

  /**
   * Read-modify-write with compare-and-set: `change` gets the current value (undefined when the
   * key is absent) and returns the next one, or undefined to leave the key as it is; a write that
   * lost a race reads and tries again, at most `attempts` times, after `pause(attempt)`. Returns
   * the value in force afterwards.
   */
  async modify<T>(
    key: string,
    change: (current: T | undefined) => T | undefined,
    options: { attempts?: number; pause?: (attempt: number) => Promise<void> } = {},
  ): Promise<T | undefined> {
    const attempts = options.attempts ?? 20;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const entry = await this.get<T>(key);
      const next = change(entry?.value);
      if (next === undefined) return entry?.value;
      try {
        if (entry) await this.update(key, next, entry.revision);
        else await this.create(key, next);
        return next;
      } catch (error) {
        if (!(error instanceof RevisionConflictError)) throw error;
        await options.pause?.(attempt);
      }
    }
    throw new Error(`could not write ${key}: it kept changing`);
  }

  private async streamWrite(key: string, value: unknown, revision: number, moved: string): Promise<number> {
    const result = await this.streamCas!.write(key, encode(value), revision);
    if (result === 'moved') throw new RevisionConflictError(moved);
    if (result === 'busy') throw new BucketBusyError(`${key}: the bucket kept changing under the write`);
    return result.seq;
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  /**
   * Delivers the last value of every key matching `key`, then each change as it happens, in
   * revision order, to `onChange` (called synchronously, one at a time).
   *
   * Backed by an ordered consumer. The client would re-create it by itself after missing its
   * heartbeats, but only after many seconds when the server restarted (its ephemeral consumer
   * is gone): so after every reconnect the watch is re-established at once, which delivers the
   * current value of every key again. Consumers must therefore ignore revisions they already
   * have; a key deleted while the connection was down is not reported.
   */
  async watch<T>(handlers: KvWatchHandlers<T>, options: { key?: string } = {}): Promise<KvWatch> {
    const key = options.key ?? '>';
    let markInitialized!: () => void;
    const initialized = new Promise<void>((resolve) => (markInitialized = resolve));
    let stopped = false;
    let current: QueuedIterator<KvEntry> | undefined;
    let restarts = 0;
    const deliver = (entry: KvEntry) => {
      if (entry.operation !== 'PUT' || entry.value.length === 0) {
        // A deleter may leave a note in the marker (kvDeleteWithNote.ts): what the key held.
        const note = entry.value.length > 0 ? noteOf(entry.value) : undefined;
        handlers.onChange({ operation: 'delete', key: entry.key, revision: entry.revision, ...(note ? { note } : {}) });
        return;
      }
      let value: T;
      try {
        value = decodeObject(entry.value) as T;
      } catch (error) {
        handlers.onBadValue?.(entry.key, entry.revision, error as Error);
        return;
      }
      handlers.onChange({ operation: 'put', key: entry.key, revision: entry.revision, value });
    };
    const follow = async (onInitialized?: () => void): Promise<void> => {
      const iterator = await this.kv.watch({ key, ...(onInitialized ? { initializedFn: onInitialized } : {}) });
      if (stopped) {
        iterator.stop();
        return;
      }
      current = iterator;
      void (async () => {
        try {
          for await (const entry of iterator) if (iterator === current) deliver(entry);
        } catch {
          // ends with the connection, or replaced after a reconnect
        }
      })();
    };
    await follow(() => markInitialized());

    const status = this.nc.status();
    void (async () => {
      for await (const event of status) {
        if (stopped) break;
        if (event.type !== 'reconnect') continue;
        current?.stop();
        current = undefined;
        while (!stopped && !this.nc.isClosed()) {
          try {
            await follow();
            restarts++;
            break;
          } catch {
            await sleep(WATCH_RETRY_MS);
          }
        }
      }
    })().catch(() => undefined);

    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const stop = () => {
      if (stopped) return;
      stopped = true;
      current?.stop();
      markInitialized();
      resolveDone();
    };
    void this.nc.closed().then(stop);
    return {
      initialized,
      done,
      stop,
      get restarts() {
        return restarts;
      },
    };
  }

  async keys(filter = '>'): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(filter)) keys.push(key);
    return keys;
  }
}

function noteOf(data: Uint8Array): unknown {
  try {
    return decodeObject(data);
  } catch {
    return undefined;
  }
}

export function conflictOr(error: unknown, message: string): Error {
  const text = (error as Error).message ?? '';
  if (/wrong last sequence|key exists/i.test(text)) return new RevisionConflictError(message);
  return error as Error;
}
