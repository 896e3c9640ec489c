// Exactly-once intake (docs/chat.md#exactly-once-intake): a mission request that names the message
// it came from ("telegram:<chat>:<message>") claims an intake key in the missions bucket with
// create-if-absent, holding the id the mission gets. A redelivered request finds the key and is
// given that mission instead of a second one. The index leaves these keys out, like branch locks.
import { createHash } from 'node:crypto';
import { RevisionConflictError, type JsonKv } from '../../bus/kv.js';

/** Keys of the bucket that are intake claims, not missions. */
export const INTAKE_PREFIX = 'intake.';
/** The longest intake identity a request may name. */
export const INTAKE_MAX_LENGTH = 300;

export interface IntakeClaim {
  /** The mission the message made (or is making). */
  id: string;
  /** The message's identity, for a person reading the bucket. */
  intake: string;
  at: number;
}

export function isIntakeKey(key: string): boolean {
  return key.startsWith(INTAKE_PREFIX);
}

export function intakeKey(intake: string): string {
  return INTAKE_PREFIX + createHash('sha256').update(intake).digest('hex').slice(0, 32);
}

/**
 * Claims `intake` for mission `id`: resolves to `id` when this request is the first, or to the id
 * an earlier request of the same message claimed.
 */
export async function claimIntake(kv: JsonKv, intake: string, id: string, now: number): Promise<string> {
  const key = intakeKey(intake);
  try {
    await kv.create(key, { id, intake, at: now } satisfies IntakeClaim);
    return id;
  } catch (error) {
    if (!(error instanceof RevisionConflictError)) throw error;
    const existing = await kv.get<Partial<IntakeClaim>>(key);
    if (typeof existing?.value.id !== 'string') throw error;
    return existing.value.id;
  }
}
