// Two creations of one stream or bucket on a cluster race: two hosts starting together, or our
// own create that timed out and is sent again while the first is still being placed. The loser
// hears "subjects overlap" or "name already in use" (or nothing) although the asset it asked for
// is the one being made; and as NATS 2.9 then withdraws the failed assignment, which has the
// winner's name, the stream can be "not found" a moment after it was seen. Asking again, after a
// moment, finds the winner's asset (or creates it anew) and adopts it.
// docs/scale-out.md#two-hosts-creating-one-stream
import { sleep } from '../time/sleep.js';

/** JetStream's answers to a creation that met another creation of the same asset. */
const CONTENTION_CODES = new Set([
  10058, // JSStreamNameExistErr: stream name already in use with a different configuration
  10065, // JSStreamSubjectOverlapErr: subjects overlap with an existing stream
  10059, // JSStreamNotFoundErr: the stream just seen was withdrawn with the losing assignment
]);

/** Attempts of a contended creation, RETRY_MS apart: the winner is placed well within 2 s. */
const ATTEMPTS = 8;
const RETRY_MS = 250;

export function isCreationContention(error: unknown): boolean {
  const code = (error as { api_error?: { err_code?: number } } | undefined)?.api_error?.err_code;
  return code !== undefined && CONTENTION_CODES.has(code);
}

/**
 * `ensure()` (which looks the asset up and creates it when missing), asked again while it meets
 * another creation of the same asset. Any other error, and the last contention, is thrown.
 */
export async function despiteCreationRace<T>(
  ensure: () => Promise<T>,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensure();
    } catch (error) {
      if (!isCreationContention(error) || attempt >= ATTEMPTS) throw error;
      await wait(RETRY_MS);
    }
  }
}
