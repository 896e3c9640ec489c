// A local Stately inspector server: the page a browser opens (it frames the Stately inspector UI
// and feeds it over postMessage) and a WebSocket that passes every message from one client to the
// others, like @statelyai/inspect/server. Unlike that one (which replays its last 200 messages) a
// viewer that connects late gets every live actor's registration with its latest snapshot, so it
// sees each machine however long the relay has run. See docs/observability.md#stately-inspector.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export const STATELY_INSPECTOR_UI = 'https://stately.ai/inspect';
/** Live actors remembered for late viewers; past this the oldest registration is forgotten. */
const MAX_SESSIONS = 1_000;

export interface InspectorServer {
  /** The page to open in a browser. */
  url: string;
  /** Where inspectors (createWebSocketInspector) and receivers (createWebSocketReceiver) connect. */
  wsUrl: string;
  stop: () => Promise<void>;
}

export async function startInspectorServer(options: { port: number; host?: string }): Promise<InspectorServer> {
  const host = options.host ?? '127.0.0.1';
  const http: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(bridgePage(STATELY_INSPECTOR_UI));
  });
  const wss = new WebSocketServer({ server: http });
  const live = new Map<string, Record<string, unknown>>();

  wss.on('connection', (ws) => {
    for (const registration of live.values()) ws.send(JSON.stringify(registration));
    ws.on('message', (data) => {
      const text = data.toString();
      remember(live, text);
      for (const client of wss.clients) if (client !== ws && client.readyState === WebSocket.OPEN) client.send(text);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    wsUrl: `ws://${shown}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}

/** Keeps each live actor's registration, its snapshot brought up to date; forgets finished ones. */
function remember(live: Map<string, Record<string, unknown>>, text: string): void {
  let message: Record<string, unknown>;
  try {
    message = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  const sessionId = message.sessionId;
  if (typeof sessionId !== 'string') return;
  if (message.type === '@xstate.actor') {
    live.delete(sessionId);
    live.set(sessionId, message);
    if (live.size > MAX_SESSIONS) live.delete(live.keys().next().value as string);
  } else if (message.type === '@xstate.snapshot') {
    const snapshot = message.snapshot as { status?: unknown } | undefined;
    const registration = live.get(sessionId);
    if (snapshot?.status && snapshot.status !== 'active') live.delete(sessionId);
    else if (registration && snapshot) registration.snapshot = snapshot;
  }
}

/** The page: the Stately UI in a frame, fed what the WebSocket brings once it says it is ready. */
function bridgePage(inspectorUrl: string): string {
  return `<!DOCTYPE html>
<html>
<head>
  <title>roshi — Stately inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="${inspectorUrl}"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer) iframe.contentWindow.postMessage(event, '*');
        buffer.length = 0;
      }
    });
    const ws = new WebSocket('ws://' + location.host);
    ws.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (connected) iframe.contentWindow.postMessage(data, '*');
      else buffer.push(data);
    };
  </script>
</body>
</html>`;
}
