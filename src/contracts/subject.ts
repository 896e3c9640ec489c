// A subject that carries its payload types, so publishing or asking with the wrong shape is a
// type error. A plain string at run time: the brand exists only for the type checker.

declare const wire: unique symbol;
declare const reads: unique symbol;

/** A subject whose messages are `Req` and whose replies (for requests) are `Res`. */
export type Subject<Req, Res = void> = string & { readonly [wire]: { req: Req; res: Res } };

/** What may be sent on `S`: its payload when `S` is a typed subject, anything on a plain string. */
export type RequestOf<S> = S extends { readonly [wire]: { req: infer R } } ? R : unknown;

/** What a request on `S` answers: its reply when `S` is a typed subject, else unknown. */
export type ReplyOf<S> = S extends { readonly [wire]: { res: infer R } } ? R : unknown;

/** Types a subject name; the name itself is unchanged. */
export function typedSubject<Req, Res = void>(name: string): Subject<Req, Res> {
  return name as Subject<Req, Res>;
}

/**
 * Checks a received payload of wire type `Req` and returns what the receiver keeps (`Out`), or
 * undefined when it is unusable. The brand ties a reader to its payload type, so
 * `Bus.subscribe(subject, reader, …)` does not compile with another subject's reader.
 */
export type Reader<Req, Out = Req> = ((payload: Record<string, unknown>, receivedAt: number) => Out | undefined) & {
  readonly [reads]?: Req;
};

/** Brands a validation function as the reader of payloads of type `Req`. */
export function reader<Req, Out = Req>(
  read: (payload: Record<string, unknown>, receivedAt: number) => Out | undefined,
): Reader<Req, Out> {
  return read as Reader<Req, Out>;
}
