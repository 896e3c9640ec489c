// Chat turns keyed by their message (docs/chat.md#exactly-once-intake): `bridge.turn.<hash>` in
// KV <prefix>_state is created (create-if-absent) before the chat is asked, so a message handed
// over again after a crash never starts a second turn; it is marked answered once the answer is
// in the outbox. A turn still asking when the bridge died is found at the next start, before any
// provider receives: the operator is told to ask again, once, and the turn is marked abandoned.
import { createHash } from 'node:crypto';
import { RevisionConflictError, type JsonKv } from '../bus/kv.js';
import type { InboundMessage } from '../adapters/messaging/types.js';
import type { Logger } from '../log.js';
import { oneLine } from '../text/oneLine.js';
import { messageIdentity } from './messageIdentity.js';

export const TURN_PREFIX = 'bridge.turn.';
/** Answered and abandoned turns are forgotten after this long (a redelivery comes within seconds). */
const KEEP_MS = 24 * 3_600_000;

export interface TurnRecord {
  identity: string;
  provider: string;
  chatId: string;
  /** The question, clipped: what the operator is reminded of if the answer was lost. */
  text: string;
  state: 'asking' | 'answered' | 'abandoned';
  at: number;
}

export const turnKey = (identity: string) =>
  TURN_PREFIX + createHash('sha256').update(identity).digest('hex').slice(0, 32);

export class ChatTurns {
  constructor(
    private readonly kv: JsonKv,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when this message starts its turn; false when it already had one (a redelivery). */
  async begin(message: InboundMessage): Promise<boolean> {
    const identity = messageIdentity(message);
    const record: TurnRecord = {
      identity,
      provider: message.provider,
      chatId: message.chatId,
      text: oneLine(message.text, 80),
      state: 'asking',
      at: this.now(),
    };
    try {
      await this.kv.create(turnKey(identity), record);
      return true;
    } catch (error) {
      if (error instanceof RevisionConflictError) return false;
      // Without the key a redelivery could ask twice; without an answer the operator waits for nothing.
      this.logger.warn({ err: error, messageId: message.messageId }, 'chat turn not recorded; asking anyway');
      return true;
    }
  }

  /** The answer is in the outbox. */
  async answered(message: InboundMessage): Promise<void> {
    await this.mark(turnKey(messageIdentity(message)), 'answered');
  }

  /**
   * At start, before receiving: every turn a dead bridge left asking. `tell` sends the operator
   * the notice (keyed by the turn, so a second crash does not repeat it); then it is abandoned.
   * Old finished turns are deleted on the way. With `providers`, only the turns of those (a
   * bridge of several hosts takes over one provider at a time; the others' turns are live).
   */
  async recover(
    tell: (turn: TurnRecord, key: string) => Promise<void>,
    providers?: readonly string[],
  ): Promise<number> {
    let abandoned = 0;
    for (const key of await this.kv.keys(`${TURN_PREFIX}>`)) {
      const entry = await this.kv.get<TurnRecord>(key).catch(() => undefined);
      if (!entry) continue;
      const turn = entry.value;
      if (providers && !providers.includes(turn.provider)) continue;
      if (turn.state !== 'asking') {
        if (this.now() - turn.at > KEEP_MS) await this.kv.delete(key).catch(() => undefined);
        continue;
      }
      await tell(turn, key);
      await this.mark(key, 'abandoned');
      abandoned++;
    }
    if (abandoned > 0) this.logger.warn({ abandoned }, 'chat turns lost in a bridge restart; their askers were told');
    return abandoned;
  }

  private async mark(key: string, state: TurnRecord['state']): Promise<void> {
    try {
      const entry = await this.kv.get<TurnRecord>(key);
      if (!entry) return;
      await this.kv.update(key, { ...entry.value, state, at: this.now() }, entry.revision);
    } catch (error) {
      this.logger.warn({ err: error, key, state }, 'chat turn state not recorded');
    }
  }
}

/** What the operator reads about a turn the restart cut off. */
export function abandonedTurnText(turn: TurnRecord): string {
  return `⚠ roshi's bridge restarted while chat was answering “${turn.text}”; that answer is lost. Please ask again.`;
}

/** At start: tells each asker a dead bridge left waiting, through `publish` (the outbox), once; only of `providers` when given. */
export async function tellAbandonedTurns(
  turns: ChatTurns,
  publish: (message: { id: string; kind: 'reply'; provider: string; chatId: string; text: string }) => Promise<unknown>,
  logger: Logger,
  providers?: readonly string[],
): Promise<void> {
  try {
    await turns.recover(async (turn, key) => {
      const message = { id: `abandoned-${key}`, kind: 'reply' as const, provider: turn.provider, chatId: turn.chatId };
      await publish({ ...message, text: abandonedTurnText(turn) });
    }, providers);
  } catch (error) {
    logger.warn({ err: error }, 'chat turns of the previous bridge not checked');
  }
}
