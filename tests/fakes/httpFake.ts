// The HTTP server under every fake API (Telegram, Slack, Matrix, Anthropic…): a loopback server on
// a free port that tracks its sockets so close() never waits on a keep-alive or a held long poll,
// plus the body and JSON helpers each fake used to carry its own copy of.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
/** Answers a request whose handler threw (each API has its own error body). */
export type FakeErrorAnswer = (res: ServerResponse, error: unknown) => void;

export class HttpFake {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(handle: FakeHandler, onError: FakeErrorAnswer) {
    this.server = createServer((req, res) => {
      void handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) onError(res, error);
        else res.end();
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async listen(handle: FakeHandler, onError: FakeErrorAnswer): Promise<HttpFake> {
    const fake = new HttpFake(handle, onError);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** http://127.0.0.1:<port>, no trailing slash. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Stops listening and drops every open connection, held ones included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

/** The whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request body as the fakes record it: parsed JSON, else the text itself, undefined when empty. */
export function jsonOrText(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** A JSON answer with its content-length; `headers` may override the content type. Nothing once the response is over. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
}
