// The Gateway half of the Discord fake (tests/fakes/discord.ts): a WebSocket server on the fake's
// HTTP port speaking the Gateway protocol (https://discord.com/developers/docs/events/gateway):
// HELLO with a heartbeat interval, IDENTIFY checked against the bot token (4004 otherwise), READY
// with a session id and a resume URL, heartbeats ACKed, dispatches numbered per session, RESUME
// replaying what the session missed while its connection was down, and the faults a test plays:
// op 7 reconnect, op 9 invalid session, a dropped connection, unanswered heartbeats.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session, for a RESUME to replay. */
  events: Array<{ s: number; t: string; d: unknown }>;
  socket: WebSocket | undefined;
}

export interface GatewayRecord {
  identifies: Array<{ intents: unknown; at: number }>;
  resumes: Array<{ sessionId: unknown; seq: unknown; path: string; at: number }>;
  /** The `d` of every heartbeat (the last sequence number the client saw). */
  heartbeats: unknown[];
}

export class FakeGateway {
  readonly record: GatewayRecord = { identifies: [], resumes: [], heartbeats: [] };
  /** Off: heartbeats go unanswered (a zombie connection, as the client should detect). */
  ackHeartbeats = true;
  /** Off: the Message Content intent is not enabled for the bot; asking for it closes with 4014. */
  messageContentAllowed = true;
  /** On: every connection attempt is dropped at the upgrade (the Gateway unreachable). */
  refuseConnections = false;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  private sessionCount = 0;

  constructor(
    private readonly token: string,
    private readonly ready: () => Record<string, unknown>,
    /** The interval HELLO gives; a test may change it before the client connects. */
    public heartbeatMs: number,
    private readonly baseUrl: () => string,
  ) {}

  /** The HTTP server's 'upgrade' handler: /gateway and /resume are WebSockets. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if ((path !== '/gateway' && path !== '/resume') || this.refuseConnections) return void socket.destroy();
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connected(ws, path));
  }

  /** Live (identified) connections. */
  get live(): number {
    return [...this.sessions.values()].filter((s) => s.socket?.readyState === WebSocket.OPEN).length;
  }

  /** A dispatch to every session: sent now where connected, kept for a RESUME otherwise. */
  dispatch(t: string, d: unknown): void {
    for (const session of this.sessions.values()) {
      session.seq++;
      const event = { s: session.seq, t, d };
      session.events.push(event);
      if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify({ op: 0, ...event }));
    }
  }

  /** Op 1 to every connection: the client should send a heartbeat at once. */
  askHeartbeat(): void {
    for (const session of this.sessions.values()) session.socket?.send(JSON.stringify({ op: 1, d: null }));
  }

  /** Op 7 to every connection: the client should reconnect and resume. */
  requestReconnect(): void {
    for (const session of this.sessions.values()) session.socket?.send(JSON.stringify({ op: 7, d: null }));
  }

  /** Op 9 to every connection; not resumable: the sessions are gone. */
  invalidateSessions(resumable: boolean): void {
    for (const [id, session] of this.sessions) {
      session.socket?.send(JSON.stringify({ op: 9, d: resumable }));
      if (!resumable) this.sessions.delete(id);
    }
  }

  /** Closes every connection with `code`; 4007 and 4009 end the sessions too (no resume), as Discord's do. */
  closeAll(code: number, reason: string): void {
    for (const [id, session] of this.sessions) {
      session.socket?.close(code, reason);
      if (code === 4007 || code === 4009) this.sessions.delete(id);
    }
  }

  /** Drops every connection without a close frame (1006 at the client); sessions stay resumable. */
  dropConnections(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private connected(ws: WebSocket, path: string): void {
    const send = (frame: object) => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify(frame));
    send({ op: 10, d: { heartbeat_interval: this.heartbeatMs }, s: null, t: null });
    // A client closing with 1000 or 1001 ends its session, as Discord does: no resume after it.
    ws.on('close', (code) => {
      if (code !== 1000 && code !== 1001) return;
      for (const [id, session] of this.sessions) if (session.socket === ws) this.sessions.delete(id);
    });
    ws.on('message', (raw) => {
      let frame: { op?: number; d?: Record<string, unknown> | number | null };
      try {
        frame = JSON.parse(raw.toString());
      } catch {
        return ws.close(4002, 'Error while decoding payload.');
      }
      const d = (frame.d ?? {}) as Record<string, unknown>;
      if (frame.op === 1) {
        this.record.heartbeats.push(frame.d);
        if (this.ackHeartbeats) send({ op: 11 });
      } else if (frame.op === 2) {
        if (d.token !== this.token) return ws.close(4004, 'Authentication failed.');
        if (!this.messageContentAllowed && (Number(d.intents) & (1 << 15)) !== 0)
          return ws.close(4014, 'Disallowed intent(s).');
        this.record.identifies.push({ intents: d.intents, at: Date.now() });
        const session: Session = { id: `session-${++this.sessionCount}`, seq: 1, events: [], socket: ws };
        this.sessions.set(session.id, session);
        const ready = {
          v: 10,
          ...this.ready(),
          session_id: session.id,
          resume_gateway_url: `${this.baseUrl()}/resume`,
          guilds: [],
        };
        send({ op: 0, s: 1, t: 'READY', d: ready });
      } else if (frame.op === 6) {
        this.record.resumes.push({ sessionId: d.session_id, seq: d.seq, path, at: Date.now() });
        const session = this.sessions.get(String(d.session_id));
        if (d.token !== this.token) return ws.close(4004, 'Authentication failed.');
        if (!session) return send({ op: 9, d: false });
        session.socket = ws;
        for (const event of session.events.filter((e) => e.s > Number(d.seq))) send({ op: 0, ...event });
        session.seq++;
        send({ op: 0, s: session.seq, t: 'RESUMED', d: null });
      }
    });
  }
}
