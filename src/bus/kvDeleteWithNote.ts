// Deleting a KV key with a compare-and-set on its revision, leaving a note in the delete marker
// (a small JSON object, e.g. the status the record had). Watchers that hold only part of a
// bucket learn from it what left, without having kept the value (docs/missions.md#retention).
// The marker is the same KV-Operation: DEL message a plain delete writes, so every KV client
// still reads the key as deleted.
import { headers } from 'nats';
import type { Bus } from './bus.js';
import { encode } from './codec.js';
import { conflictOr } from './kv.js';

export async function deleteWithNote(
  bus: Bus,
  bucket: string,
  key: string,
  revision: number,
  note: Record<string, unknown>,
): Promise<void> {
  const marker = headers();
  marker.set('KV-Operation', 'DEL');
  try {
    await bus
      .jetstream()
      .publish(`$KV.${bucket}.${key}`, encode(note), { headers: marker, expect: { lastSubjectSequence: revision } });
  } catch (error) {
    throw conflictOr(error, `${key} changed since revision ${revision}`);
  }
}
