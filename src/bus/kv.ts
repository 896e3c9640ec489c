// JSON values in a JetStream KV bucket, with the compare-and-set operations that claims and
// persisted heal state rely on. Buckets are created idempotently.
import type { KV } from 'nats';
import { RoshiError } from '../errors.js';
import { decodeObject, encode } from './codec.js';
import type { Bus } from './bus.js';

export class RevisionConflictError extends RoshiError {
  readonly code = 'conflict';
}

export interface Entry<T> {
  key: string;
  value: T;
  revision: number;
}

export class JsonKv {
  private constructor(private readonly kv: KV) {}

  static async open(bus: Bus, bucket: string, options: { history?: number } = {}): Promise<JsonKv> {
    const js = bus.nc.jetstream();
    const kv = await js.views.kv(bucket, { history: options.history ?? 1 });
    return new JsonKv(kv);
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
    try {
      return await this.kv.create(key, encode(value));
    } catch (error) {
      throw conflictOr(error, `${key} exists already`);
    }
  }

  /** Writes only when the key is still at `revision` (compare-and-set). */
  async update(key: string, value: unknown, revision: number): Promise<number> {
    try {
      return await this.kv.update(key, encode(value), revision);
    } catch (error) {
      throw conflictOr(error, `${key} changed since revision ${revision}`);
    }
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }

  async keys(filter = '>'): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(filter)) keys.push(key);
    return keys;
  }
}

function conflictOr(error: unknown, message: string): Error {
  const text = (error as Error).message ?? '';
  if (/wrong last sequence|key exists/i.test(text)) return new RevisionConflictError(message);
  return error as Error;
}
