// The webhook actor's HTTP endpoint (node:http): POST <path> goes to takeDelivery, anything else
// is 404/405. Bodies are capped at GitHub's own limit (25 MB). docs/github.md#webhooks
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { takeDelivery, type DeliveryAnswer, type IntakePorts } from './intake.js';

const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookServer {
  /** The address actually bound ("host:port"; port 0 in config picks a free one). */
  address: string;
  close(): Promise<void>;
}

/** "127.0.0.1:8787" → host and port; "[::1]:8787" too. */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(at + 1)) };
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startWebhookServer(
  options: { listen: string; path: string },
  ports: IntakePorts & { onAnswer?: (answer: DeliveryAnswer) => void },
  logger: Logger,
): Promise<WebhookServer> {
  const server: Server = createServer((request, response) => {
    const answer = (status: number, body: string) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(body);
    };
    const path = (request.url ?? '').split('?')[0];
    if (path !== options.path) return answer(404, 'not found\n');
    if (request.method !== 'POST') return answer(405, 'POST only\n');
    readBody(request)
      .then(async (body) => {
        if (!body) return answer(413, 'payload too large\n');
        const result = await takeDelivery({ headers: request.headers, body }, ports);
        ports.onAnswer?.(result);
        answer(result.status, result.body);
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'webhook request failed');
        if (!response.headersSent) answer(500, 'error\n');
      });
  });
  const { host, port } = parseListen(options.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const address = `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info({ address, path: options.path }, 'webhook endpoint listening');
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
