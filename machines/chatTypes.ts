// The chat machine's input, context, events and the parameters of the actions the host
// provides (docs/chat.md#the-chat-machine), apart from its state chart in machines/chat.ts.
import type { ChatRequest } from '../src/contracts/index.js';

export interface QueuedRequest {
  id: string;
  request: ChatRequest;
  /** ms since the epoch, as the host saw it arrive. */
  receivedAt: number;
}

/** What the host needs to run one attempt. */
export interface TurnStart {
  id: string;
  request: ChatRequest;
  receivedAt: number;
  /** 0 for the first run; 1, 2, 3 for the retries (lighter context, shorter timeout). */
  attempt: number;
  /** Requests queued behind this one. */
  waiting: number;
}

export interface ReplyParams {
  id: string;
  /** The answer; absent when there is none (`answered` false). */
  text?: string;
  answered: boolean;
  /** Runs made: attempt + 1. */
  attempts: number;
  /** Why the last attempt gave no answer. */
  error?: string;
}

export interface RefuseParams {
  id: string;
  code: 'unavailable' | 'busy';
  reason: string;
}

export interface ChatInput {
  /** Delay before each retry; its length is the number of retries. Default 2 s, 5 s, 10 s. */
  retryDelaysMs?: number[];
  /** How long a drain waits for the answer in progress before abandoning it. */
  drainGraceMs: number;
  /** Requests held at most, the one being answered included (chat.maxQueue). Default unbounded. */
  maxQueue?: number;
}

export interface ChatContext {
  /** Waiting requests; while answering or draining, the head is the one in hand. */
  queue: QueuedRequest[];
  attempt: number;
  lastError?: string;
  retryDelaysMs: number[];
  drainGraceMs: number;
  maxQueue: number;
  answered: number;
  unanswered: number;
  refused: number;
}

export type ChatEvent =
  | { type: 'REQUEST'; id: string; request: ChatRequest; at: number }
  | { type: 'TURN.ANSWERED'; id: string; attempt: number; text: string }
  | { type: 'TURN.FAILED'; id: string; attempt: number; error: string }
  | { type: 'DRAIN' };
