// Scatter-gather: one request, every responder's answer. Several supervisors (one per host,
// docs/scale-out.md#hosts-and-names) each answer `sup.status`; nobody knows how many there are,
// so the gathering ends a short window after the latest answer, or at the timeout.
import { ErrorCode, RequestStrategy, type NatsConnection, type NatsError } from 'nats';
import { BusError, NoResponderError, TimeoutError } from '../errors.js';
import { decodeObject, encode } from './codec.js';
import { unwrapReply } from './reply.js';

export interface RequestAllOptions {
  /** After an answer, how long to wait for another before returning what came (ms). */
  window?: number;
  /** The longest the whole gathering takes (ms); nobody answering by then is a TimeoutError. */
  timeoutMs?: number;
}

export const DEFAULT_GATHER_WINDOW_MS = 300;

/**
 * Every answer to `payload` on `subject`, unwrapped, in the order they came. Refusals are left
 * out unless nothing but refusals came: then the first is thrown, as `Bus.request` would.
 */
export async function requestAll<T>(
  nc: NatsConnection,
  subject: string,
  payload: Record<string, unknown>,
  { window = DEFAULT_GATHER_WINDOW_MS, timeoutMs = 2_000 }: RequestAllOptions,
): Promise<T[]> {
  const answers: T[] = [];
  let refusal: unknown;
  try {
    const replies = await nc.requestMany(subject, encode(payload), {
      strategy: RequestStrategy.JitterTimer,
      maxWait: timeoutMs,
      jitter: window,
    });
    for await (const msg of replies) {
      try {
        answers.push(unwrapReply<T>(subject, decodeObject(msg.data)));
      } catch (error) {
        refusal ??= error;
      }
    }
  } catch (error) {
    if ((error as NatsError).code === ErrorCode.NoResponders)
      throw new NoResponderError(`${subject}: nobody is listening`);
    // An answer already in hand is worth more than a connection hiccup after it.
    if (answers.length === 0) throw new BusError(`${subject}: ${(error as Error).message}`, { cause: error });
  }
  if (answers.length > 0) return answers;
  if (refusal !== undefined) throw refusal;
  throw new TimeoutError(`${subject}: no answer within ${timeoutMs} ms`);
}
