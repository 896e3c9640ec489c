// A stream is created only when JetStream says it does not exist: an info that timed out on a
// loaded cluster is thrown (the caller tries again), never taken for a missing stream, whose
// creation would clash with the real one ("subjects overlap"). src/bus/streams.ts, notFound.ts
import { describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { ensureStream } from '../../src/bus/streams.js';

const LIMITS = { maxMessages: 10, maxAgeMs: 60_000, duplicateWindowMs: 1_000 };

/** A Bus whose stream info fails with `infoError` (or finds `existing`); records what was asked. */
function busWith(info: () => Promise<unknown>) {
  const calls: string[] = [];
  const jsm = {
    streams: {
      info: async () => {
        calls.push('info');
        return info();
      },
      add: async () => {
        calls.push('add');
        return {};
      },
      update: async () => {
        calls.push('update');
        return {};
      },
    },
  };
  const bus = { replicas: 1, jetstreamManager: async () => jsm } as unknown as Bus;
  return { bus, calls };
}

describe('ensureStream', () => {
  it('creates the stream when JetStream says it does not exist', async () => {
    const notFound = Object.assign(new Error('stream not found'), { api_error: { err_code: 10059 } });
    const { bus, calls } = busWith(() => Promise.reject(notFound));
    expect(await ensureStream(bus, 'S', 's.>', LIMITS)).toBe(true);
    expect(calls).toEqual(['info', 'add']);
  });

  it('updates the stream it found', async () => {
    const { bus, calls } = busWith(async () => ({ config: { num_replicas: 1 } }));
    expect(await ensureStream(bus, 'S', 's.>', LIMITS)).toBe(false);
    expect(calls).toEqual(['info', 'update']);
  });

  it('throws a timed-out info instead of creating a stream that may exist', async () => {
    const timeout = Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' });
    const { bus, calls } = busWith(() => Promise.reject(timeout));
    await expect(ensureStream(bus, 'S', 's.>', LIMITS)).rejects.toBe(timeout);
    expect(calls).toEqual(['info']);
  });
});
