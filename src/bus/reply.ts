// The envelope every request handler answers with, so a client can tell "the handler refused"
// from "nobody answered": { ok: true, data } or { ok: false, error: { code, message } }.
import { RemoteError, RoshiError } from '../errors.js';

/**
 * What a request handler returns to stay silent: the request is another responder's (a
 * `sup.restart` for another host's actor), so this one sends nothing rather than a refusal.
 */
export const NO_REPLY: unique symbol = Symbol('no reply');

export type Reply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export function okReply<T>(data: T): Reply<T> {
  return { ok: true, data };
}

/** The refusal for any error a handler throws: a RoshiError's own code, else the generic "error". */
export function errorReply(error: unknown): Reply<never> {
  const code = error instanceof RoshiError ? error.code : 'error';
  return { ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
}

/** Unwraps a reply, turning a refusal into a RemoteError carrying the handler's code. */
export function unwrapReply<T>(subject: string, value: Record<string, unknown>): T {
  if (value.ok === true) return value.data as T;
  const error = value.error as { code?: string; message?: string } | undefined;
  if (value.ok === false && error) {
    throw new RemoteError(`${subject}: ${error.message ?? 'refused'}`, error.code ?? 'error');
  }
  throw new RemoteError(`${subject}: reply is not a roshi reply envelope`, 'bad_reply');
}
