// Where TrackedPr records live (KV <prefix>_state under `ci.<owner>/<repo>/<number>`, or memory
// in tests), and the missions actor's live view of the CI queue for missions.md.
// docs/github.md#the-ci-queue
import type { JsonKv } from '../bus/index.js';
import type { Logger } from '../log.js';
import type { CiEntry } from '../missions/render.js';
import { CI_QUEUE_KEYS, ciQueueKey, type TrackedPr } from './types.js';

/** A CI queue entry as missions.md shows it. */
export function toCiEntry(pr: TrackedPr): CiEntry {
  return { project: pr.project, url: pr.url, branch: pr.branch, attempt: pr.attempts, maxAttempts: pr.maxAttempts };
}

// ─── persistence ─────────────────────────────────────────────────────────────────────────────

/** Where tracked PRs are kept. */
export interface TrackedPrStore {
  list(): Promise<TrackedPr[]>;
  put(pr: TrackedPr): Promise<void>;
  delete(repo: string, number: number): Promise<void>;
}

/** TrackedPr records in the KV state bucket. */
export class KvTrackedPrStore implements TrackedPrStore {
  constructor(
    private readonly kv: JsonKv,
    private readonly logger?: Logger,
  ) {}

  async list(): Promise<TrackedPr[]> {
    const out: TrackedPr[] = [];
    for (const key of await this.kv.keys(CI_QUEUE_KEYS)) {
      try {
        const entry = await this.kv.get<TrackedPr>(key);
        if (entry && isTrackedPr(entry.value)) out.push(entry.value);
        else if (entry) this.logger?.warn({ key }, 'ignored an unreadable CI queue record');
      } catch (error) {
        this.logger?.warn({ key, err: error }, 'ignored an unreadable CI queue record');
      }
    }
    return out;
  }

  async put(pr: TrackedPr): Promise<void> {
    await this.kv.put(ciQueueKey(pr.repo, pr.number), pr);
  }

  async delete(repo: string, number: number): Promise<void> {
    await this.kv.delete(ciQueueKey(repo, number));
  }
}

/** In memory (tests, the request benchmark). */
export class MemoryTrackedPrStore implements TrackedPrStore {
  readonly records = new Map<string, TrackedPr>();
  async list(): Promise<TrackedPr[]> {
    return [...this.records.values()];
  }
  async put(pr: TrackedPr): Promise<void> {
    this.records.set(ciQueueKey(pr.repo, pr.number), pr);
  }
  async delete(repo: string, number: number): Promise<void> {
    this.records.delete(ciQueueKey(repo, number));
  }
}

export function isTrackedPr(value: unknown): value is TrackedPr {
  const v = value as Partial<TrackedPr> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.repo === 'string' &&
    typeof v.number === 'number' &&
    typeof v.url === 'string' &&
    typeof v.attempts === 'number' &&
    typeof v.maxAttempts === 'number' &&
    Array.isArray(v.handledFeedback)
  );
}

// ─── the missions.md view ────────────────────────────────────────────────────────────────────

export interface CiQueueView {
  /** Entries in the queue, oldest first. */
  entries(): CiEntry[];
  initialized: Promise<void>;
  stop(): void;
}

/**
 * Follows the CI queue in KV for the missions actor (the single writer of missions.md):
 * `onChange` is called after every change once the current records are in.
 */
export async function watchCiQueue(kv: JsonKv, onChange: () => void, logger?: Logger): Promise<CiQueueView> {
  const records = new Map<string, TrackedPr>();
  let ready = false;
  const watch = await kv.watch<TrackedPr>(
    {
      onChange: (change) => {
        if (change.operation === 'put' && isTrackedPr(change.value)) records.set(change.key, change.value);
        else records.delete(change.key);
        if (ready) onChange();
      },
      onBadValue: (key) => logger?.warn({ key }, 'ignored an unreadable CI queue record'),
    },
    { key: CI_QUEUE_KEYS },
  );
  const initialized = watch.initialized.then(() => {
    ready = true;
    onChange();
  });
  return {
    entries: () =>
      [...records.values()]
        .filter((pr) => pr.inCiQueue === true)
        .sort((a, b) => a.enteredAt - b.enteredAt || a.url.localeCompare(b.url))
        .map(toCiEntry),
    initialized,
    stop: () => watch.stop(),
  };
}
