// A chat turn as it arrives on <prefix>.chat.req, and the reply it gets. The shapes only: the
// chat machine queues them and the bridge sends them; the chat actor validates a request at the
// boundary with parseChatRequest (src/chat/request.ts).

/** What the bridge (or anyone on the bus) asks. */
export interface ChatRequest {
  /** The message, as the person wrote it. */
  text: string;
  /** The conversation it belongs to (a Telegram chat id, a Slack channel, a Matrix room, …). */
  chatId: string;
  /** Provider name: telegram, slack, matrix, console, … */
  provider: string;
  /** Who wrote it, as the provider identifies them. */
  userId?: string;
  /** A display name for the prompt, when the provider knows one. */
  userName?: string;
  /**
   * When the asker stops waiting for the reply (ms since the epoch). An answer ready later is
   * delivered through the outbox to provider/chatId instead, so it is never lost in a queue.
   */
  replyBy?: number;
}

/** The reply's `data` (the bus wraps it in `{ ok: true, data }`). */
export interface ChatReply {
  /** What to send back to the chat; also set when no answer could be had (then `answered` is false). */
  text: string;
  /** false: every attempt came back empty or failed, and `text` says so. */
  answered: boolean;
  /** Agent runs it took, 1 to 4. */
  attempts: number;
  /** The request's id, as in the chat actor's log and run logs. */
  requestId: string;
  /** From arrival to reply, queueing included. */
  durationMs: number;
  /** Why the last attempt gave no answer, when `answered` is false. */
  error?: string;
}
