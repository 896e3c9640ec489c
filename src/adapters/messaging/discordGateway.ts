// A small client of the Discord Gateway (https://discord.com/developers/docs/events/gateway) on
// the `ws` package: HELLO → IDENTIFY (or RESUME of the session it had), heartbeats at the given
// interval carrying the last sequence number, a missed ACK taken as a dead connection, op 7
// (reconnect) and dropped connections resumed, op 9 (invalid session) answered with a fresh
// IDENTIFY, close codes that retrying cannot fix (a bad token, a disallowed intent) reported once.
// It hands every dispatch (op 0) over in arrival order; what they mean is the provider's.
// Why our own client and not @discordjs/ws: docs/chat.md#discord.
import { WebSocket } from 'ws';
import type { Logger } from '../../log.js';
import { sleep } from '../../time/sleep.js';
import { backoffMs, errorText, field, num, str } from './http.js';
import { ProviderError } from './types.js';

/** GUILD_MESSAGES | MESSAGE_CONTENT: messages in the channel, with their text. */
export const GATEWAY_INTENTS = (1 << 9) | (1 << 15);
const API_VERSION = '10';

const OP = { dispatch: 0, heartbeat: 1, identify: 2, resume: 6, reconnect: 7, invalid: 9, hello: 10, ack: 11 };
/** A close of ours that keeps the session resumable (1000 and 1001 would end it). */
const RESUMABLE_CLOSE = 4000;
/** Gateway close codes that reconnecting cannot fix, and what to do. */
const FATAL_CLOSE: Record<number, string> = {
  4004: 'authentication failed (check the bot token in {tokenEnv})',
  4010: 'invalid shard',
  4011: 'sharding required (the bot is in too many servers for one connection)',
  4012: 'invalid API version',
  4013: 'invalid intents',
  4014: 'disallowed intents (turn on the Message Content intent under Bot in the Developer Portal)',
};
/** Close codes after which the session cannot be resumed: identify afresh. */
const FRESH_CLOSE = new Set([4003, 4007, 4009]);

export interface GatewayOptions {
  /** The Gateway's URL (GET /gateway/bot, or the configured override); asked for each fresh session. */
  url(signal: AbortSignal): Promise<string>;
  token: string;
  tokenEnv: string;
  intents: number;
  logger: Logger;
  retry: { minMs: number; maxMs: number };
  /** READY (a new session: events while away are not replayed) or RESUMED (they were). */
  onReady(ready: { resumed: boolean; userId: string | undefined }): void;
  onDispatch(type: string, data: unknown): void;
  /** A frame arrived on a connection past READY or RESUMED: receiving works. */
  onFrame(): void;
  /** The connection failed or dropped, and why (until the next READY or RESUMED). */
  onTrouble(reason: string): void;
  /** A refusal that retrying cannot fix: the gateway has stopped. */
  onFatal(error: ProviderError): void;
}

interface Closed {
  code: number;
  reason: string;
  /** The connection reached READY or RESUMED: the failures before it are forgotten. */
  ready?: boolean;
}

export class DiscordGateway {
  private readonly stopController = new AbortController();
  private socket: WebSocket | undefined;
  private sessionId: string | undefined;
  private resumeUrl: string | undefined;
  private seq: number | null = null;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: GatewayOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    this.socket?.close(1000, 'stopping');
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.stopController;
    let failures = 0;
    while (!signal.aborted) {
      let closed: Closed;
      try {
        const resuming = this.sessionId !== undefined && this.seq !== null;
        const url = resuming && this.resumeUrl ? this.resumeUrl : await this.options.url(signal);
        if (signal.aborted) break;
        closed = await this.connect(url, resuming);
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof ProviderError && !error.transient) return this.options.onFatal(error);
        closed = { code: 0, reason: errorText(error) };
      }
      if (signal.aborted) break;
      const fatal = FATAL_CLOSE[closed.code];
      if (fatal) {
        const text = `discord: gateway refused: ${closed.code} ${fatal.replace('{tokenEnv}', this.options.tokenEnv)}`;
        return this.options.onFatal(new ProviderError(text, 'discord', false));
      }
      if (FRESH_CLOSE.has(closed.code)) this.forgetSession();
      const reason = `gateway closed: ${closed.code}${closed.reason ? ` ${closed.reason}` : ''}`;
      this.options.onTrouble(reason);
      if (closed.ready) failures = 0;
      if (closed.code !== RESUMABLE_CLOSE) failures++;
      const wait = failures === 0 ? 0 : backoffMs(failures, this.options.retry);
      this.options.logger.warn({ reason, failures, retryInMs: wait }, 'discord: gateway connection lost; reconnecting');
      await sleep(wait, { signal });
    }
  }

  /** One connection, from open to close. */
  private connect(baseUrl: string, resuming: boolean): Promise<Closed> {
    const url = new URL(baseUrl);
    url.searchParams.set('v', API_VERSION);
    url.searchParams.set('encoding', 'json');
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    let beat: ReturnType<typeof setTimeout> | undefined;
    let acked = true;
    let ready = false;
    const send = (op: number, d: unknown) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ op, d }));
    };
    const heartbeat = () => send(OP.heartbeat, this.seq);
    const startHeartbeat = (intervalMs: number) => {
      const tick = () => {
        // No ACK since the last beat: the connection is a zombie; drop it and resume.
        if (!acked) return socket.terminate();
        acked = false;
        heartbeat();
        beat = setTimeout(tick, intervalMs);
      };
      beat = setTimeout(tick, intervalMs * Math.random());
    };
    return new Promise<Closed>((resolve) => {
      let error: string | undefined;
      socket.on('error', (e) => {
        error = errorText(e);
      });
      socket.on('close', (code, reason) => {
        clearTimeout(beat);
        if (this.socket === socket) this.socket = undefined;
        resolve({ code, reason: reason.toString() || error || '', ready });
      });
      socket.on('message', (raw) => {
        let frame: unknown;
        try {
          frame = JSON.parse(raw.toString());
        } catch {
          return;
        }
        const op = num(field(frame, 'op'));
        const d = field(frame, 'd');
        const s = num(field(frame, 's'));
        if (s !== undefined) this.seq = s;
        if (op === OP.hello) {
          startHeartbeat(num(field(d, 'heartbeat_interval')) ?? 41_250);
          if (resuming) send(OP.resume, { token: this.options.token, session_id: this.sessionId, seq: this.seq });
          else send(OP.identify, this.identify());
        } else if (op === OP.ack) acked = true;
        else if (op === OP.heartbeat) heartbeat();
        else if (op === OP.reconnect) socket.close(RESUMABLE_CLOSE, 'reconnect requested');
        else if (op === OP.invalid) void this.invalidSession(socket, d === true);
        else if (op === OP.dispatch) {
          const type = str(field(frame, 't')) ?? '';
          if (type === 'READY' || type === 'RESUMED') ready = true;
          this.dispatch(type, d);
        }
        // Only a session that works counts as heard from: HELLOs of failing reconnects do not.
        if (ready) this.options.onFrame();
      });
    });
  }

  private identify() {
    return {
      token: this.options.token,
      intents: this.options.intents,
      properties: { os: process.platform, browser: 'roshi', device: 'roshi' },
    };
  }

  private dispatch(type: string, data: unknown): void {
    if (type === 'READY') {
      this.sessionId = str(field(data, 'session_id'));
      this.resumeUrl = str(field(data, 'resume_gateway_url'));
      this.options.onReady({ resumed: false, userId: str(field(field(data, 'user'), 'id')) });
    } else if (type === 'RESUMED') {
      this.options.onReady({ resumed: true, userId: undefined });
    }
    this.options.onDispatch(type, data);
  }

  /** Op 9: resumable → resume on a new connection; else identify afresh, after 1–5 s as Discord asks. */
  private async invalidSession(socket: WebSocket, resumable: boolean): Promise<void> {
    if (!resumable) this.forgetSession();
    this.options.logger.info({ resumable }, 'discord: gateway session invalidated');
    const { minMs, maxMs } = this.options.retry;
    await sleep(Math.min(5_000, Math.max(minMs, maxMs) * (1 + Math.random() * 4)), {
      signal: this.stopController.signal,
    });
    socket.close(RESUMABLE_CLOSE, 'invalid session');
  }

  private forgetSession(): void {
    this.sessionId = undefined;
    this.resumeUrl = undefined;
    this.seq = null;
  }
}
