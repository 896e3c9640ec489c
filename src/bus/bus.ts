// The Bus: roshi's one handle on NATS. Payloads are JSON objects validated at the boundary; a
// handler that throws or a payload that does not parse is answered (requests) or logged and
// counted (publishes) — it never reaches the caller's stack as an uncaught exception.
import {
  ErrorCode,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
  type NatsConnection,
  type NatsError,
  type Subscription,
} from 'nats';
import type { Reader, ReplyOf, RequestOf, Subject } from '../contracts/index.js';
import { BusError, NoResponderError, RemoteError, TimeoutError } from '../errors.js';
import type { Logger } from '../log.js';
import { BadPayloadError, decodeObject, encode } from './codec.js';
import { openConnection, redactUrl, type ConnectOptions } from './connect.js';
import { errorReply, NO_REPLY, okReply, unwrapReply } from './reply.js';
import { requestAll, type RequestAllOptions } from './requestAll.js';
import { subjectsFor, type Subjects } from './subjects.js';

export interface BusOptions extends ConnectOptions {
  prefix: string;
  logger: Logger;
  requestTimeoutMs?: number;
  /** Replicas of every KV bucket and stream this connection creates (nats.replicas; 1 by default). */
  replicas?: number;
  /** How long a JetStream request (a KV write, a stream publish) waits for its ack, ms (nats.jetstreamTimeout). */
  jetstreamTimeout?: number;
}

/** The NATS client's own default, kept when nats.jetstreamTimeout is not given. */
export const DEFAULT_JETSTREAM_TIMEOUT_MS = 5_000;

export type Payload = Record<string, unknown>;
export type MessageHandler = (payload: Payload, subject: string) => void | Promise<void>;
export type RequestHandler = (payload: Payload, subject: string) => unknown;

export interface Unsubscribe {
  (): void;
}

export class Bus {
  readonly subjects: Subjects;
  /** Publishes and requests that arrived with an unreadable payload, by subject. */
  readonly badPayloads = new Map<string, number>();
  /** Publishes dropped because the connection was closed. */
  droppedPublishes = 0;
  /** Publishes and subscriptions the server refused for want of permission. */
  permissionViolations = 0;
  private readonly requestTimeoutMs: number;
  #connected = true;
  #connectedAt = Date.now();

  /** False while the client is reconnecting: nothing published to this process arrives meanwhile. */
  get connected(): boolean {
    return this.#connected;
  }

  /** When the current connection began (opened, or last reconnected): nothing was heard before it. */
  get connectedAt(): number {
    return this.#connectedAt;
  }

  private constructor(
    readonly nc: NatsConnection,
    readonly url: string,
    readonly prefix: string,
    private readonly logger: Logger,
    requestTimeoutMs: number,
    readonly replicas: number,
    private readonly jetstreamTimeoutMs: number,
  ) {
    this.subjects = subjectsFor(prefix);
    this.requestTimeoutMs = requestTimeoutMs;
  }

  static async connect(options: BusOptions): Promise<Bus> {
    const nc = await openConnection(options, options.logger);
    const bus = new Bus(
      nc,
      redactUrl(options.url),
      options.prefix,
      options.logger,
      options.requestTimeoutMs ?? 2_000,
      options.replicas ?? 1,
      options.jetstreamTimeout ?? DEFAULT_JETSTREAM_TIMEOUT_MS,
    );
    bus.watchStatus();
    return bus;
  }

  /**
   * Fire-and-forget. While reconnecting the client buffers; once closed, the message is dropped
   * (and counted) rather than thrown into the caller: nothing that must arrive goes this way.
   */
  publish<S extends string>(subject: S, payload: RequestOf<S>): void {
    if (this.nc.isClosed()) {
      this.droppedPublishes++;
      return;
    }
    try {
      this.nc.publish(subject, encode(payload));
    } catch (error) {
      this.droppedPublishes++;
      this.logger.debug({ err: error, subject }, 'publish dropped');
    }
  }

  /**
   * On a typed subject, each message goes through the subject's reader (its contract) and
   * `onMessage` gets what the reader returns; on a plain subject it gets the decoded object.
   * Anything unreadable is logged and counted, never delivered.
   */
  subscribe<S extends Subject<unknown, unknown>, Out>(
    subject: S,
    read: Reader<RequestOf<S>, Out>,
    onMessage: (message: Out, subject: string) => void | Promise<void>,
    options?: { queue?: string },
  ): Unsubscribe;
  subscribe(subject: string, onMessage: MessageHandler, options?: { queue?: string }): Unsubscribe;
  subscribe(
    subject: string,
    ...args:
      | [Reader<unknown, unknown>, (message: unknown, subject: string) => void | Promise<void>, { queue?: string }?]
      | [MessageHandler, { queue?: string }?]
  ): Unsubscribe {
    const [read, onMessage, options = {}] =
      args.length >= 2 && typeof args[1] === 'function'
        ? (args as [Reader<unknown, unknown>, (m: unknown, s: string) => void | Promise<void>, { queue?: string }?])
        : [undefined, ...(args as [MessageHandler, { queue?: string }?])];
    const sub = this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (error, msg) => {
        if (error) return this.logger.warn({ err: error, subject }, 'subscription error');
        const payload = this.decode(msg);
        if (!payload) return;
        const message = read ? read(payload, Date.now()) : payload;
        if (message === undefined) return this.reject(msg.subject, "does not match the subject's contract");
        this.guard(msg.subject, () => onMessage(message as never, msg.subject));
      },
    });
    return () => sub.unsubscribe();
  }

  /** Answers requests on `subject` with the reply envelope; refusals become `ok: false` replies. */
  serve(subject: string, handler: RequestHandler, options: { queue?: string } = {}): Subscription {
    return this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (error, msg) => {
        if (error) return this.logger.warn({ err: error, subject }, 'service subscription error');
        void this.answer(msg, handler);
      },
    });
  }

  /** Runs one request through `handler` and responds; exported for NATS micro endpoints. */
  async answer(msg: Msg, handler: RequestHandler): Promise<void> {
    let payload: Payload;
    try {
      payload = decodeObject(msg.data);
    } catch (error) {
      this.count(msg.subject);
      msg.respond(encode(errorReply(error)));
      return;
    }
    try {
      const data = await handler(payload, msg.subject);
      if (data === NO_REPLY) return;
      msg.respond(encode(okReply(data ?? null)));
    } catch (error) {
      if (!(error instanceof BadPayloadError) && !(error instanceof RemoteError)) {
        this.logger.warn({ err: error, subject: msg.subject }, 'request handler failed');
      }
      msg.respond(encode(errorReply(error)));
    }
  }

  /** On a typed subject the payload is checked and the reply typed; an explicit `T` names the reply instead. */
  request<S extends Subject<unknown, unknown>>(
    subject: S,
    payload: RequestOf<S>,
    timeoutMs?: number,
  ): Promise<ReplyOf<S>>;
  request<T = unknown, S extends string = string>(subject: S, payload?: RequestOf<S>, timeoutMs?: number): Promise<T>;
  async request(subject: string, payload: unknown = {}, timeoutMs = this.requestTimeoutMs): Promise<unknown> {
    let msg: Msg;
    try {
      msg = await this.nc.request(subject, encode(payload), { timeout: timeoutMs });
    } catch (error) {
      const code = (error as NatsError).code;
      if (code === ErrorCode.NoResponders) throw new NoResponderError(`${subject}: nobody is listening`);
      if (code === ErrorCode.Timeout) throw new TimeoutError(`${subject}: no answer within ${timeoutMs} ms`);
      throw new BusError(`${subject}: ${(error as Error).message}`, { cause: error });
    }
    return unwrapReply<unknown>(subject, decodeObject(msg.data));
  }

  /** Every responder's answer to one request (scatter-gather: src/bus/requestAll.ts). */
  requestAll<T = unknown>(subject: string, payload: Payload = {}, options: RequestAllOptions = {}): Promise<T[]> {
    return requestAll<T>(this.nc, subject, payload, { timeoutMs: this.requestTimeoutMs, ...options });
  }

  /**
   * The JetStream client every KV bucket and stream goes through. Its timeout bounds how long a
   * write sent to a stream leader that just died waits before it is tried again (docs/scale-out.md#a-nats-node-dies).
   */
  jetstream(): JetStreamClient {
    return this.nc.jetstream({ timeout: this.jetstreamTimeoutMs });
  }

  jetstreamManager(): Promise<JetStreamManager> {
    return this.nc.jetstreamManager({ timeout: this.jetstreamTimeoutMs });
  }

  /** Round trip to the server; rejects when the server does not answer. */
  async rtt(): Promise<number> {
    return this.nc.rtt();
  }

  isClosed(): boolean {
    return this.nc.isClosed();
  }

  /** Unsubscribes everything after in-flight messages are handled, then closes. */
  async drain(): Promise<void> {
    if (this.nc.isClosed()) return;
    try {
      await this.nc.drain();
    } catch (error) {
      this.logger.debug({ err: error }, 'drain failed; closing');
      await this.nc.close().catch(() => undefined);
    }
  }

  private decode(msg: Msg): Payload | undefined {
    try {
      return decodeObject(msg.data);
    } catch (error) {
      this.reject(msg.subject, (error as Error).message);
      return undefined;
    }
  }

  private reject(subject: string, reason: string): void {
    this.count(subject);
    this.logger.warn({ subject, reason }, 'dropped unreadable message');
  }

  private guard(subject: string, run: () => void | Promise<void>): void {
    try {
      const result = run();
      if (result instanceof Promise) {
        result.catch((error: unknown) => this.logger.error({ err: error, subject }, 'message handler failed'));
      }
    } catch (error) {
      this.logger.error({ err: error, subject }, 'message handler failed');
    }
  }

  private count(subject: string): void {
    this.badPayloads.set(subject, (this.badPayloads.get(subject) ?? 0) + 1);
  }

  /** Permission violations are warnings: a missing permission must show in the log, not vanish. */
  private watchStatus(): void {
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'pingTimer') continue;
        if (status.type === 'disconnect') this.#connected = false;
        if (status.type === 'reconnect') {
          this.#connected = true;
          this.#connectedAt = Date.now();
        }
        const denied = (status as { permissionContext?: { operation: string; subject: string; queue?: string } })
          .permissionContext;
        if (denied) {
          this.permissionViolations++;
          this.logger.warn(
            { operation: denied.operation, subject: denied.subject, ...(denied.queue ? { queue: denied.queue } : {}) },
            'nats refused: permissions violation',
          );
        } else if (status.type === 'error') {
          this.logger.warn({ status: status.type, data: String(status.data) }, 'nats error');
        } else {
          this.logger.debug({ status: status.type, data: String(status.data) }, 'nats status');
        }
      }
    })().catch(() => undefined);
  }
}
