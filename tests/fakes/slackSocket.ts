// The WebSocket side of the fake Slack (tests/fakes/slack.ts): Socket Mode as Slack speaks it
// (https://docs.slack.dev/apis/events-api/using-socket-mode). apps.connections.open hands out a
// one-time `ws://…/link/?ticket=…` URL; a connection to it gets `{type: "hello"}`, then envelopes
// `{envelope_id, type: events_api | slash_commands | interactive, payload, retry_attempt, …}`,
// each of which the app must acknowledge with `{envelope_id, payload?}`. `disconnect()` sends
// `{type: "disconnect", reason}` and closes, as Slack does before recycling a connection.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { HttpFake } from './httpFake.js';

export interface SlackEnvelope {
  envelope_id: string;
  type: 'events_api' | 'slash_commands' | 'interactive';
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SlackAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface FakeSlackSocket {
  /** A fresh one-time URL, as apps.connections.open answers; undefined while refusing. */
  openUrl(httpUrl: string): string | undefined;
  /** Open connections (with or without their hello). */
  readonly connected: number;
  /** Hellos sent so far (1 per successful connection). */
  readonly hellos: number;
  acks: SlackAck[];
  /** Every envelope sent to a connection, in order (redeliveries included; none while no connection is open). */
  sent: SlackEnvelope[];
  /** Sends an envelope to every open connection; returns it. */
  send(type: SlackEnvelope['type'], payload: Record<string, unknown>): SlackEnvelope;
  /** Sends `envelope` again with retry_attempt + 1, as Slack does when no ack came in time. */
  redeliver(envelope: SlackEnvelope, reason?: string): SlackEnvelope;
  /** `{type: "disconnect", reason}` to every connection, then closes them. */
  disconnect(reason?: string): void;
  /** Cuts every connection without a word (a network failure). */
  cut(): void;
  /** While true, apps.connections.open still answers but the WebSocket upgrade is refused. */
  refuseUpgrades: boolean;
  /** While true, a new connection is accepted but never gets its hello. */
  withholdHello: boolean;
  close(): Promise<void>;
}

const APP_ID = 'A0ROSHI';

export function attachSlackSocket(http: HttpFake): FakeSlackSocket {
  const server = new WebSocketServer({ noServer: true });
  const tickets = new Set<string>();
  const sockets = new Set<WebSocket>();
  let hellos = 0;

  http.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !tickets.delete(ticket) || fake.refuseUpgrades) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    server.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', (data) => {
        try {
          fake.acks.push(JSON.parse(String(data)) as SlackAck);
        } catch {
          // Not JSON: Slack ignores it too.
        }
      });
      if (fake.withholdHello) return;
      hellos++;
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.size,
          debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: APP_ID },
        }),
      );
    });
  });

  /** Sends to every open connection; false when there is none (Slack would not have sent it). */
  const broadcast = (message: unknown): boolean => {
    let sent = false;
    for (const ws of sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      ws.send(JSON.stringify(message));
      sent = true;
    }
    return sent;
  };

  const fake: FakeSlackSocket = {
    refuseUpgrades: false,
    withholdHello: false,
    acks: [],
    sent: [],
    get connected() {
      return [...sockets].filter((ws) => ws.readyState === ws.OPEN).length;
    },
    get hellos() {
      return hellos;
    },
    openUrl(httpUrl) {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `${httpUrl.replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${APP_ID}`;
    },
    send(type, payload) {
      const envelope: SlackEnvelope = {
        envelope_id: randomUUID(),
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
      };
      if (broadcast(envelope)) fake.sent.push(envelope);
      return envelope;
    },
    redeliver(envelope, reason = 'timeout') {
      const again = { ...envelope, retry_attempt: (envelope.retry_attempt ?? 0) + 1, retry_reason: reason };
      if (broadcast(again)) fake.sent.push(again);
      return again;
    },
    disconnect(reason = 'refresh_requested') {
      broadcast({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } });
      for (const ws of sockets) ws.close(1000, reason);
    },
    cut() {
      for (const ws of sockets) ws.terminate();
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

const TEAM = { id: 'T0ROSHI', domain: 'roshi-test' };

/** The events_api payload of a message Slack saw in a channel (Events API `message` event). */
export function messageEventPayload(channel: string, message: Record<string, unknown>): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: TEAM.id,
    api_app_id: APP_ID,
    event: { ...message, channel, event_ts: message.ts, channel_type: 'channel' },
    type: 'event_callback',
    event_id: `Ev${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: 'U0ROSHIBOT', is_bot: true }],
    is_ext_shared_channel: false,
  };
}

/** A slash command's payload (`/roshi status` → command "/roshi", text "status"). */
export function slashCommandPayload(
  channel: string,
  user: string,
  text: string,
  command = '/roshi',
): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: TEAM.id,
    team_domain: TEAM.domain,
    channel_id: channel,
    channel_name: 'ops',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: 'https://hooks.slack.invalid/commands/T0ROSHI/1/x',
    trigger_id: triggerId(),
  };
}

/** A block_actions payload: `user` pressed the button whose value is `value` under `message`. */
export function blockActionsPayload(
  channel: string,
  user: string,
  message: Record<string, unknown>,
  value: string,
): Record<string, unknown> {
  const blocks = (Array.isArray(message.blocks) ? message.blocks : []) as Array<Record<string, unknown>>;
  const found = blocks.flatMap((block) =>
    block.type === 'actions' && Array.isArray(block.elements)
      ? (block.elements as Array<Record<string, unknown>>)
          .filter((e) => e.value === value)
          .map((e) => ({ action_id: String(e.action_id), value, text: e.text, block_id: String(block.block_id ?? '') }))
      : [],
  );
  const action = found[0];
  if (!action) throw new Error(`fake slack: no button with value ${JSON.stringify(value)} under ${String(message.ts)}`);
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: TEAM.id },
    api_app_id: APP_ID,
    token: 'verification-token-unused',
    container: { type: 'message', message_ts: message.ts, channel_id: channel, is_ephemeral: false },
    trigger_id: triggerId(),
    team: TEAM,
    channel: { id: channel, name: 'ops' },
    message,
    response_url: 'https://hooks.slack.invalid/actions/T0ROSHI/1/x',
    actions: [{ type: 'button', action_ts: `${Date.now() / 1000}`, ...action }],
  };
}

function triggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomUUID().replace(/-/g, '').slice(0, 32)}`;
}
