// The live page's HTTP(S) server: one login route, then nothing without the operator's token
// (auth.ts). It serves the page and its local assets (elkjs from node_modules: no CDN), the
// live channel (server-sent events), machine graphs, run replays, and actions (POST, same-origin
// only). docs/observability.md#the-live-page
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebAuth } from './auth.js';

export interface WebRoutes {
  /** A page attached to the live channel; `send` writes one event; returns the detach. */
  openChannel: (send: (event: string, data: unknown) => void) => Promise<() => void>;
  state: () => unknown;
  graph: (actor: string) => unknown;
  replay: (missionId: string) => Promise<unknown>;
  act: (body: Record<string, unknown>) => Promise<unknown>;
  /** The page (its channel id from `hello`) now draws this actor's machine ('' none). */
  watch: (page: string, actor: string) => void;
  onRefused: () => void;
}

export interface WebServerOptions {
  host: string;
  /** Tried in order; 0 picks a free one. */
  ports: number[];
  tls?: { cert: string; key: string };
}

export interface WebServer {
  url: string;
  close: () => Promise<void>;
}

const ASSETS: Record<string, { file: () => string; type: string }> = {
  '/': { file: () => join(assetDir(), 'index.html'), type: 'text/html; charset=utf-8' },
  '/assets/page.js': { file: () => join(assetDir(), 'page.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/graph.js': { file: () => join(assetDir(), 'graph.js'), type: 'text/javascript; charset=utf-8' },
  '/assets/page.css': { file: () => join(assetDir(), 'page.css'), type: 'text/css; charset=utf-8' },
  '/assets/elk.js': {
    file: () => createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** The page's own files: src/web/assets, copied next to this module by the build (plain browser code). */
function assetDir(): string {
  return fileURLToPath(new URL('./assets/', import.meta.url));
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function startWebServer(options: WebServerOptions, auth: WebAuth, routes: WebRoutes): Promise<WebServer> {
  const secure = options.tls !== undefined;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, auth, routes, secure).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, { error: error instanceof Error ? error.message : String(error) });
      else res.end();
    });
  };
  const server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handler)
    : createHttpServer(handler);
  let lastError: unknown;
  for (const port of options.ports) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `${secure ? 'https' : 'http'}://${host}:${address.port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  auth: WebAuth,
  routes: WebRoutes,
  secure: boolean,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://page');
  if (url.pathname === '/login' && req.method === 'GET') {
    if (!auth.redeem(url.searchParams)) return refuse(res, routes, 'this login link is expired, used or wrong');
    res.writeHead(303, { ...SECURITY_HEADERS, location: '/', 'set-cookie': auth.sessionCookie(secure) });
    return void res.end();
  }
  if (!auth.allows(req.headers)) return refuse(res, routes, 'not logged in');
  const asset = ASSETS[url.pathname];
  if (asset && req.method === 'GET') {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.type });
    return void res.end(readFileSync(asset.file()));
  }
  if (url.pathname === '/events' && req.method === 'GET') return openChannel(req, res, routes);
  if (url.pathname === '/api/state' && req.method === 'GET') return reply(res, 200, routes.state());
  const graph = /^\/api\/graph\/([a-z0-9-]+)$/.exec(url.pathname);
  if (graph && req.method === 'GET') {
    const found = routes.graph(graph[1]!);
    return found ? reply(res, 200, found) : reply(res, 404, { error: `no machine for ${graph[1]}` });
  }
  const run = /^\/api\/run\/([A-Za-z0-9_-]+)$/.exec(url.pathname);
  if (run && req.method === 'GET') return reply(res, 200, await routes.replay(run[1]!));
  const fromPage = () => {
    // Same origin only: the custom header forces a CORS preflight no other site can pass.
    const origin = req.headers.origin;
    return req.headers['x-roshi-action'] === '1' && (origin === undefined || new URL(origin).host === req.headers.host);
  };
  if (url.pathname === '/api/watch' && req.method === 'POST') {
    if (!fromPage()) return reply(res, 403, { error: 'the page itself only' });
    const { page, actor } = await readJson(req);
    if (typeof page !== 'string' || typeof actor !== 'string' || !/^[a-z0-9-]{0,40}$/.test(actor))
      return reply(res, 400, { error: 'expected {page, actor}' });
    routes.watch(page, actor);
    return reply(res, 200, { ok: true });
  }
  if (url.pathname === '/api/action' && req.method === 'POST') {
    if (!fromPage()) return reply(res, 403, { error: 'actions come from the page itself only' });
    const body = await readJson(req);
    try {
      return reply(res, 200, { ok: true, data: await routes.act(body) });
    } catch (error) {
      return reply(res, 200, { ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  reply(res, 404, { error: 'not found' });
}

async function openChannel(req: IncomingMessage, res: ServerResponse, routes: WebRoutes): Promise<void> {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream', connection: 'keep-alive' });
  res.flushHeaders();
  const send = (event: string, data: unknown) => {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const detach = await routes.openChannel(send);
  req.once('close', detach);
}

function refuse(res: ServerResponse, routes: WebRoutes, why: string): void {
  routes.onRefused();
  res.writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(`roshi web: ${why}. Print a login link with \`node dist/main.js web login\`.\n`);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('expected a JSON object');
  return parsed as Record<string, unknown>;
}
