// A TCP relay between the bridge and a fake chat service that can fall silent, as a dead link or a
// hung server looks to a client: while cut, connections are accepted but never answered and the
// relayed ones are dropped; restore() relays the held connections and every new one again. Used
// for docs/chat.md#provider-health (a silent provider turns degraded, and up when it answers), and
// in front of each NATS node for a host cut off from the bus (tests/e2e/hostCut.test.ts).
import { connect, createServer, type Socket } from 'node:net';

export interface NetworkCut {
  /** `serviceUrl` with its origin replaced by the relay's: what the bridge is configured with. */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export interface NetworkCutOptions {
  /**
   * What restore() does with the connections accepted while cut: relay them (an HTTP request
   * sent into the silence is answered late), or drop them, as a link that was down would. A
   * NATS client gives up on a silent connect after its timeout; relayed late, those connects
   * reached the server and the clients saw a burst of disconnects and one reply refused
   * (permissions violation). Default 'relay'.
   */
  heldOnRestore?: 'relay' | 'drop';
}

/** Starts a relay on a free loopback port in front of `serviceUrl` (any URL with a host and port: http://, nats://). */
export async function startNetworkCut(serviceUrl: string, options: NetworkCutOptions = {}): Promise<NetworkCut> {
  const target = new URL(serviceUrl);
  const held = new Set<Socket>();
  const relayed = new Set<Socket>();
  let silent = false;

  const relay = (client: Socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    relayed.add(client);
    relayed.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      relayed.delete(client);
      relayed.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const server = createServer((client) => {
    if (!silent) return relay(client);
    client.pause(); // what the client writes waits in the socket until restore()
    held.add(client);
    const forget = () => held.delete(client);
    client.on('error', forget).on('close', forget);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: serviceUrl.replace(target.host, `127.0.0.1:${port}`),
    cut() {
      silent = true;
      for (const socket of [...relayed]) socket.destroy();
    },
    restore() {
      silent = false;
      for (const client of [...held]) {
        held.delete(client);
        if (options.heldOnRestore === 'drop') client.destroy();
        else relay(client);
      }
    },
    async close() {
      for (const socket of [...held, ...relayed]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
