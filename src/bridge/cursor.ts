// What the bridge keeps in KV <prefix>_state: `bridge.sent.<provider>` (how far the outbox was
// delivered, written after every accepted piece and before the ack; a mark past the stream's end,
// from a re-created stream, is ignored) and `bridge.cursor.<provider>`
// (the provider's inbound position). Keys and the crash window: docs/chat.md#kv-keys-prefix_state
// and docs/chat.md#nothing-lost-nothing-twice.
import type { JsonKv } from '../bus/index.js';
import type { Cursor } from '../adapters/messaging/types.js';
import type { Logger } from '../log.js';
import { sleep } from '../time/sleep.js';

export interface SentMark {
  /** Outbox stream sequence of the message. */
  seq: number;
  /** Pieces of it accepted so far; `part === parts` is the whole message. */
  part: number;
  parts: number;
  stream: string;
  at: number;
}

export const sentKey = (provider: string) => `bridge.sent.${provider}`;
export const cursorKey = (provider: string) => `bridge.cursor.${provider}`;

/** Was message `seq` delivered completely to the provider whose mark this is? */
export function isDelivered(mark: SentMark | undefined, seq: number): boolean {
  if (!mark) return false;
  return seq < mark.seq || (seq === mark.seq && mark.part >= mark.parts);
}

/** The first piece of message `seq` still to send (0 unless it was cut off half way). */
export function resumePart(mark: SentMark | undefined, seq: number, parts: number): number {
  if (!mark || seq !== mark.seq || mark.parts !== parts) return 0;
  return Math.min(mark.part, parts);
}

/** The highest sequence below which every message was delivered completely. */
export function deliveredThrough(mark: SentMark): number {
  return mark.part >= mark.parts ? mark.seq : mark.seq - 1;
}

const WRITE_ATTEMPTS = 3;

export class SentMarks {
  private readonly marks = new Map<string, SentMark>();
  /** Writes that failed after every attempt; each is a possible duplicate after a crash. */
  failedWrites = 0;

  private constructor(
    private readonly kv: JsonKv,
    private readonly stream: string,
    private readonly logger: Logger,
  ) {}

  /** Loads the marks of `providers`, ignoring marks of another incarnation of the stream. */
  static async load(
    kv: JsonKv,
    providers: readonly string[],
    stream: string,
    lastSeq: number,
    logger: Logger,
  ): Promise<SentMarks> {
    const marks = new SentMarks(kv, stream, logger);
    for (const provider of providers) {
      const entry = await kv.get<SentMark>(sentKey(provider));
      const mark = entry?.value;
      if (!mark || typeof mark.seq !== 'number') continue;
      // Only a mark past the stream's end is from another incarnation (a re-created, shorter
      // stream). Not the creation time: the chaos run saw it change while the sequence went on,
      // and dropping a good mark re-sends what was delivered but not yet acknowledged.
      if (mark.seq > lastSeq) {
        logger.warn({ provider, mark, stream, lastSeq }, 'sent mark is past the end of the outbox stream; ignoring it');
        continue;
      }
      marks.marks.set(provider, mark);
    }
    return marks;
  }

  get(provider: string): SentMark | undefined {
    return this.marks.get(provider);
  }

  delivered(provider: string, seq: number): boolean {
    return isDelivered(this.marks.get(provider), seq);
  }

  resumePart(provider: string, seq: number, parts: number): number {
    return resumePart(this.marks.get(provider), seq, parts);
  }

  /** The lowest "delivered through" over the providers that have a mark; undefined when none has. */
  floor(): number | undefined {
    let floor: number | undefined;
    for (const mark of this.marks.values()) floor = Math.min(floor ?? Infinity, deliveredThrough(mark));
    return floor;
  }

  /** Records that `part` of `parts` pieces of message `seq` were accepted by `provider`. */
  async mark(provider: string, seq: number, part: number, parts: number): Promise<void> {
    const previous = this.marks.get(provider);
    if (previous && (previous.seq > seq || (previous.seq === seq && previous.part >= part))) return; // never backwards
    const mark: SentMark = { seq, part, parts, stream: this.stream, at: Date.now() };
    this.marks.set(provider, mark);
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      try {
        await this.kv.put(sentKey(provider), mark);
        return;
      } catch (error) {
        if (attempt === WRITE_ATTEMPTS) {
          this.failedWrites++;
          this.logger.warn(
            { err: error, provider, seq },
            'could not record the delivery in KV; a crash now could send it again',
          );
        } else {
          await sleep(100 * attempt);
        }
      }
    }
  }
}

/** A provider's inbound position, kept in KV so a restarted bridge goes on where it stopped. */
export function kvCursor(kv: JsonKv, provider: string): Cursor {
  const key = cursorKey(provider);
  return {
    load: async () => {
      const entry = await kv.get<{ value?: unknown }>(key);
      return typeof entry?.value.value === 'string' ? entry.value.value : undefined;
    },
    save: async (value: string) => {
      await kv.put(key, { value, at: Date.now() });
    },
  };
}
