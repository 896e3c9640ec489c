// The `stream` compare-and-set scope (casScope.ts): a write of a key expected at `revision`
// reads the bucket stream's last sequence from its leader, then the key's last revision (also
// from the leader, so it is at least as new), and publishes expecting that stream sequence.
// It lands only if nothing at all was written to the bucket in between, so the key is still at
// `revision` when it lands. When another key moved meanwhile, it reads and tries again; it
// reports `moved` only when the key itself did. docs/scale-out.md#compare-and-set-scope
import type { JetStreamClient, JetStreamManager, MsgHdrs } from 'nats';
import { sleep } from '../time/sleep.js';

/** How a write ended: its sequence, the key moved, or the bucket kept changing under it. */
export type StreamCasResult = { seq: number } | 'moved' | 'busy';

/** Tries before `busy`: each lost only to a write of another key. */
const MAX_ATTEMPTS = 30;
/** Longest pause between tries (jittered, growing), so racing writers spread out. */
const MAX_PAUSE_MS = 40;

export class StreamCas {
  private readonly stream: string;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {
    this.stream = `KV_${bucket}`;
  }

  /** Writes `data` to `key` if its revision is still `revision`; 0: if the key is absent (or deleted). */
  async write(key: string, data: Uint8Array, revision: number): Promise<StreamCasResult> {
    const subject = `$KV.${this.bucket}.${key}`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const last = (await this.jsm.streams.info(this.stream)).state.last_seq;
      // When the bucket's last write is the key at `revision`, the stream sequence says it all.
      if (revision === 0 || last !== revision) {
        const current = await this.lastOf(subject);
        if (revision === 0 ? !current.removed : current.seq !== revision) return 'moved';
      }
      try {
        return { seq: (await this.js.publish(subject, data, { expect: { lastSequence: last } })).seq };
      } catch (error) {
        if (!/wrong last sequence/i.test((error as Error).message ?? '')) throw error;
        await sleep(Math.random() * Math.min(MAX_PAUSE_MS, 2 ** attempt));
      }
    }
    return 'busy';
  }

  /** The key's last message, read from the stream leader: its sequence, and whether it removes the key. */
  private async lastOf(subject: string): Promise<{ seq: number; removed: boolean }> {
    try {
      const message = await this.jsm.streams.getMessage(this.stream, { last_by_subj: subject });
      return { seq: message.seq, removed: isRemoval(message.header) };
    } catch (error) {
      const text = `${(error as { code?: string }).code ?? ''} ${(error as Error).message}`;
      if (/no message found|404/i.test(text)) return { seq: 0, removed: true };
      throw error;
    }
  }
}

function isRemoval(header: MsgHdrs | undefined): boolean {
  const operation = header?.get('KV-Operation');
  return operation === 'DEL' || operation === 'PURGE';
}
