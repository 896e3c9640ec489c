// Matrix send transaction ids (https://spec.matrix.org/latest/client-server-api/#transaction-identifiers).
// The bridge retries a failed send with the same text (as a new OutboundMessage), so the id of a
// send that failed transiently, perhaps after the homeserver had stored the event, is reused for
// the same room and content (text, HTML, the message replied to) within 10 minutes: the homeserver then answers with the first event
// instead of posting a duplicate. See docs/providers.md#matrix.
import { randomUUID } from 'node:crypto';

/** How long a failed send's transaction id is kept for a retry of the same text. */
const TXN_REUSE_MS = 10 * 60_000;
const TXN_MAX_PENDING = 200;

export interface Transaction {
  txnId: string;
  since: number;
  inFlight: boolean;
}

export class MatrixTransactions {
  /** Sends that failed transiently, by room and text: a retry of the same text reuses the id. */
  private readonly pending = new Map<string, Transaction>();
  private counter = 0;
  private readonly prefix = `roshi.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;

  /** Runs `send` with the transaction id for this room and text (the event's content, serialized). */
  async send(roomId: string, text: string, send: (txnId: string) => Promise<void>, transient: (e: unknown) => boolean) {
    const key = `${roomId}\n${text}`;
    const entry = this.take(key);
    try {
      await send(entry.txnId);
    } catch (error) {
      entry.inFlight = false;
      // Only a transient failure may have reached the homeserver; a refusal posted nothing.
      if (!transient(error)) this.pending.delete(key);
      throw error;
    }
    this.pending.delete(key);
  }

  private take(key: string): Transaction {
    const now = Date.now();
    for (const [k, e] of this.pending) {
      if (now - e.since > TXN_REUSE_MS || this.pending.size > TXN_MAX_PENDING) this.pending.delete(k);
    }
    const pending = this.pending.get(key);
    if (pending && !pending.inFlight) {
      pending.inFlight = true;
      return pending;
    }
    const fresh = { txnId: `${this.prefix}.${++this.counter}`, since: now, inFlight: true };
    // An identical send already in flight keeps its own entry; this one gets a fresh id.
    if (!pending) this.pending.set(key, fresh);
    return fresh;
  }
}
