// A counting HTTP forwarder in front of a fake service, one per host in a test: each actor
// process is pointed at its own proxy, so the test can tell which process made each request to
// the same fake (the Telegram fake cannot: both speak as the same bot).
import { createServer, request, type Server } from 'node:http';

export interface CountingProxy {
  /** The URL to configure instead of the fake's. */
  url: string;
  /** Requests forwarded, by the last path segment (the Bot API method): getUpdates, sendMessage… */
  counts: Map<string, number>;
  total(): number;
  stop(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const method = (req.url ?? '').split('?')[0]!.split('/').pop() ?? '';
    counts.set(method, (counts.get(method) ?? 0) + 1);
    const forward = request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
