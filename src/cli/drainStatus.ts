// What `roshi status` shows of drained hosts: one `drain` line per host that is draining or has
// left (docs/scale-out.md#add-and-drain-a-host). Read as the operator, from the state bucket.
import type { JsonKv } from '../bus/index.js';
import { drainText, type DrainRecord } from '../contracts/drain.js';
import { listDrains } from '../missions/hostDrain.js';

/** Every drained host's record; [] when none (or the bucket cannot be read). */
export async function readDrains(kv: JsonKv): Promise<DrainRecord[]> {
  return listDrains(kv).catch(() => []);
}

/** `drain      host h2 draining since … by ana (disk): …`, one line per record. */
export function drainLines(records: readonly DrainRecord[]): string[] {
  return records.map((record) => `drain      ${drainText(record)}`);
}
