// `roshi inspect [--port N] [--inspector ws://…]`: shows every machine of the running tree in the
// Stately inspector. Starts a local inspector server (the page to open in a browser) unless
// --inspector names one, and relays the tree's inspection records to it with @statelyai/inspect
// until Ctrl-C. Steps: docs/observability.md#stately-inspector.
import { createWebSocketInspector } from '@statelyai/inspect';
import { UsageError } from '../errors.js';
import { startInspectorServer, type InspectorServer } from '../inspect/inspectorServer.js';
import { startRelay } from '../inspect/relay.js';
import { withBus } from './client.js';
import type { CommandContext } from './context.js';

export const summary =
  'relay every machine to the Stately inspector: open the printed page (--port N, --inspector URL)';

const DEFAULT_PORT = 8080;

export async function run(ctx: CommandContext): Promise<number> {
  const external = typeof ctx.args.flags.inspector === 'string' ? ctx.args.flags.inspector : undefined;
  if (external !== undefined && !/^wss?:\/\//.test(external))
    throw new UsageError(`--inspector takes a WebSocket URL (ws://host:port), got ${JSON.stringify(external)}`);
  const port = portFlag(ctx.args.flags.port);
  const server: InspectorServer | undefined = external ? undefined : await startInspectorServer({ port });
  const inspector = createWebSocketInspector({ url: external ?? server!.wsUrl });
  try {
    await withBus(ctx, async (bus) => {
      const relay = await startRelay({ bus, send: (record) => inspector.adapter.send(record as never) });
      ctx.print(
        server
          ? `Stately inspector: open ${server.url} in a browser (the page loads the inspector UI from stately.ai)`
          : `relaying to the Stately inspector server at ${external}`,
      );
      ctx.print(`relaying ${bus.subjects.inspectAll} (viewer ${relay.viewer}); Ctrl-C stops`);
      await untilSignal();
      relay.stop();
    });
  } finally {
    inspector.stop();
    await server?.stop();
  }
  return 0;
}

function portFlag(value: string | boolean | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port takes a TCP port from 0 to 65535 (0: any free one), got ${JSON.stringify(value)}`);
  return port;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
