// The drain records in KV <prefix>_state (src/contracts/drain.ts): the operator marks a host and
// clears the mark (the CLI, as the operator user), the host's supervisor marks it `left` when it
// has stopped its tree, runners and `status` read it. docs/scale-out.md#add-and-drain-a-host
import { type Entry, type JsonKv, RevisionConflictError } from '../bus/index.js';
import { DRAIN_KEY_PREFIX, drainKey, toDrainRecord, type DrainRecord } from '../contracts/drain.js';

/** The host's drain record with its revision; undefined when the host is not drained (or the value is not a record). */
export async function readDrain(kv: JsonKv, host: string): Promise<Entry<DrainRecord> | undefined> {
  const entry = await kv.get<unknown>(drainKey(host));
  const record = entry && toDrainRecord(entry.value);
  return entry && record ? { key: entry.key, value: record, revision: entry.revision } : undefined;
}

/**
 * Marks `host` draining, unless it is already drained: then the record in force is returned as it
 * is (the first asker and time stay), with `created: false`.
 */
export async function markDraining(
  kv: JsonKv,
  wanted: { host: string; by: string; at: number; reason?: string },
): Promise<{ record: DrainRecord; created: boolean }> {
  const record: DrainRecord = { ...wanted, state: 'draining' };
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await readDrain(kv, wanted.host);
    if (current) return { record: current.value, created: false };
    try {
      // Create, not put: two operators draining at once leave the first one's record.
      await kv.create(drainKey(wanted.host), record);
      return { record, created: true };
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
    }
  }
  throw new Error(`could not mark ${wanted.host || 'this host'} draining: its record kept changing`);
}

/** Clears the mark; returns the record it held, or undefined when the host was not drained. */
export async function clearDrain(kv: JsonKv, host: string): Promise<DrainRecord | undefined> {
  const current = await readDrain(kv, host);
  if (!current) return undefined;
  await kv.delete(drainKey(host));
  return current.value;
}

/**
 * The supervisor has stopped claiming on its host and is leaving: `left`, at the revision it
 * saw, so a drain cleared or renewed meanwhile is not overwritten. False when it moved.
 */
export async function markLeft(kv: JsonKv, seen: Entry<DrainRecord>, now: number): Promise<boolean> {
  try {
    await kv.update(seen.key, { ...seen.value, state: 'left', leftAt: now }, seen.revision);
    return true;
  } catch (error) {
    if (error instanceof RevisionConflictError) return false;
    throw error;
  }
}

/** Every drained host's record, by host id. */
export async function listDrains(kv: JsonKv): Promise<DrainRecord[]> {
  const keys = await kv.keys(`${DRAIN_KEY_PREFIX}*`);
  const records = await Promise.all(keys.map(async (key) => toDrainRecord((await kv.get<unknown>(key))?.value)));
  return records.filter((r): r is DrainRecord => r !== undefined).sort((a, b) => a.host.localeCompare(b.host));
}
