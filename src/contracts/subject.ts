// A subject that carries its payload types, so publishing or asking with the wrong shape is a
// type error. A plain string at run time: the brand exists only for the type checker.

declare const wire: unique symbol;

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
