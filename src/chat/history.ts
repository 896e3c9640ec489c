// Conversation history per chat, bounded: the last `historyTurns` turns are kept whole; older
// ones are compacted into one summary line each (the oldest summaries fall off past
// MAX_SUMMARIES). Persisted in KV <prefix>_state under `chat.history.<provider>.<chatId>`, so a
// restarted chat process remembers the conversation. Only answered turns are recorded.
//
// The compaction and the plan for lighter retries are pure; ChatHistoryStore adds the bucket
// (read, then compare-and-set, re-read on a conflict).
import { RevisionConflictError, type Entry } from '../bus/index.js';
import { clip, oneLine } from '../text/oneLine.js';

export interface ChatTurn {
  /** ms since the epoch, when the message arrived. */
  at: number;
  /** Who wrote the message (display name or user id), when known. */
  from?: string;
  user: string;
  answer: string;
}

export interface ChatHistory {
  provider: string;
  chatId: string;
  /** Oldest first, one line per compacted turn. */
  summaries: string[];
  /** Oldest first, at most historyTurns. */
  turns: ChatTurn[];
  updatedAt: number;
}

export interface HistoryLimits {
  /** Turns kept whole (chat.historyTurns). */
  historyTurns: number;
  /** Summary lines kept; older ones are dropped. */
  maxSummaries?: number;
}

export const MAX_SUMMARIES = 50;
/** Longest text stored per side of a turn; keeps a history record far below NATS's 1 MB payload limit. */
export const MAX_STORED_TEXT = 4_000;
const SUMMARY_SIDE = 100;

export const HISTORY_KEY_PREFIX = 'chat.history';

/**
 * `chat.history.<provider>.<chatId>`. KV keys allow letters, digits, "-", "_", "/", "=" and "."
 * (the token separator): any other character of an id — and ".", "/" and "=" themselves — is
 * written as "=" followed by its UTF-8 bytes in hex, so distinct ids never share a key.
 */
export function historyKey(provider: string, chatId: string): string {
  return `${HISTORY_KEY_PREFIX}.${keyToken(provider)}.${keyToken(chatId)}`;
}

export function keyToken(value: string): string {
  if (value === '') return '=';
  let out = '';
  for (const char of value) {
    if (/^[A-Za-z0-9_-]$/.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function emptyHistory(provider: string, chatId: string): ChatHistory {
  return { provider, chatId, summaries: [], turns: [], updatedAt: 0 };
}

/** One line for a turn that leaves the window: when, who, the gist of both sides. */
export function summarizeTurn(turn: ChatTurn): string {
  const when = new Date(turn.at).toISOString().slice(0, 16).replace('T', ' ');
  return `${when} ${turn.from ?? 'user'}: "${gist(turn.user)}" → you: "${gist(turn.answer)}"`;
}

/** The history with `turn` appended and everything past the limits compacted or dropped. */
export function appendTurn(history: ChatHistory, turn: ChatTurn, limits: HistoryLimits): ChatHistory {
  const keep = Math.max(0, Math.floor(limits.historyTurns));
  const maxSummaries = Math.max(0, Math.floor(limits.maxSummaries ?? MAX_SUMMARIES));
  const stored: ChatTurn = {
    ...turn,
    user: clip(turn.user, MAX_STORED_TEXT),
    answer: clip(turn.answer, MAX_STORED_TEXT),
  };
  const turns = [...history.turns, stored];
  const overflow = turns.length > keep ? turns.splice(0, turns.length - keep) : [];
  const summaries = [...history.summaries, ...overflow.map(summarizeTurn)];
  return {
    provider: history.provider,
    chatId: history.chatId,
    summaries: summaries.length > maxSummaries ? summaries.slice(summaries.length - maxSummaries) : summaries,
    turns,
    updatedAt: Math.max(history.updatedAt, turn.at),
  };
}

/** A stored value read back: anything that is not a history record counts as no history. */
export function toHistory(value: unknown, provider: string, chatId: string): ChatHistory | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v.turns) || !Array.isArray(v.summaries)) return undefined;
  const turns: ChatTurn[] = [];
  for (const t of v.turns as unknown[]) {
    if (typeof t !== 'object' || t === null) return undefined;
    const r = t as Record<string, unknown>;
    if (typeof r.at !== 'number' || typeof r.user !== 'string' || typeof r.answer !== 'string') return undefined;
    turns.push({ at: r.at, user: r.user, answer: r.answer, ...(typeof r.from === 'string' ? { from: r.from } : {}) });
  }
  const summaries = (v.summaries as unknown[]).filter((s): s is string => typeof s === 'string');
  return { provider, chatId, summaries, turns, updatedAt: typeof v.updatedAt === 'number' ? v.updatedAt : 0 };
}

/** How much context one attempt gets: the first everything, each retry less, with a shorter timeout. */
export interface TurnPlan {
  attempt: number;
  /** Most recent turns included whole. */
  historyTurns: number;
  /** The compacted summaries of older turns. */
  summaries: boolean;
  /** The operator's memory file. */
  memory: boolean;
  /** Idle and wall-clock limit of the agent run. */
  timeoutMs: number;
}

/** Turns kept on retries 1, 2, 3 (never more than historyTurns). */
const RETRY_TURNS = [4, 2, 0];

export function planForAttempt(attempt: number, settings: { historyTurns: number; timeoutMs: number }): TurnPlan {
  if (attempt <= 0)
    return {
      attempt: 0,
      historyTurns: settings.historyTurns,
      summaries: true,
      memory: true,
      timeoutMs: settings.timeoutMs,
    };
  return {
    attempt,
    historyTurns: Math.min(settings.historyTurns, RETRY_TURNS[attempt - 1] ?? 0),
    summaries: false,
    memory: false,
    // 2m → 1m, 40s, 30s: a model that did not answer in the full time will not in another.
    timeoutMs: Math.max(1, Math.round(settings.timeoutMs / (attempt + 1))),
  };
}

/** The part of JsonKv the history needs (a fake in unit tests). */
export interface HistoryKv {
  get<T>(key: string): Promise<Entry<T> | undefined>;
  create(key: string, value: unknown): Promise<number>;
  update(key: string, value: unknown, revision: number): Promise<number>;
}

const MAX_CAS_RETRIES = 5;

export class ChatHistoryStore {
  constructor(
    private readonly kv: HistoryKv,
    private readonly limits: HistoryLimits,
  ) {}

  /** The stored history of a chat; none (or an unreadable one) is an empty history. */
  async load(provider: string, chatId: string): Promise<ChatHistory> {
    return (await this.read(provider, chatId)).history;
  }

  /** Appends a turn (compacting) with a compare-and-set, so a concurrent writer is never overwritten. */
  async append(provider: string, chatId: string, turn: ChatTurn): Promise<ChatHistory> {
    const key = historyKey(provider, chatId);
    for (let attempt = 0; ; attempt++) {
      const { history, revision } = await this.read(provider, chatId);
      const next = appendTurn(history, turn, this.limits);
      try {
        if (revision === undefined) await this.kv.create(key, next);
        else await this.kv.update(key, next, revision);
        return next;
      } catch (error) {
        if (error instanceof RevisionConflictError && attempt < MAX_CAS_RETRIES) continue;
        throw error;
      }
    }
  }

  private async read(provider: string, chatId: string): Promise<{ history: ChatHistory; revision?: number }> {
    const entry = await this.kv.get<unknown>(historyKey(provider, chatId));
    if (!entry) return { history: emptyHistory(provider, chatId) };
    return {
      history: toHistory(entry.value, provider, chatId) ?? emptyHistory(provider, chatId),
      revision: entry.revision,
    };
  }
}

function gist(text: string): string {
  return oneLine(text, SUMMARY_SIDE).replace(/"/g, "'");
}
