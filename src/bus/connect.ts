// Connection options normalised once, here. The client defaults are wrong for a daemon:
// maxReconnectAttempts is 10 (a 20 s outage would close the connection for good) and the first
// connect fails at once when the server is still starting. roshi reconnects forever and waits.
//
// Authentication: token, user/password, a creds file (JWT + NKey seed) and TLS with a CA file
// (optionally a client certificate), each tested against a real nats-server
// (tests/e2e/natsAuthModes.test.ts).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { BusError } from '../errors.js';
import type { Logger } from '../log.js';
import { inboxPrefix } from './permissions.js';

export interface NatsSettings {
  url: string;
  token?: string;
  user?: string;
  password?: string;
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface ConnectOptions extends NatsSettings {
  /** Connection name shown by `nats server report connections`. */
  name: string;
  /** When false, give up after the first failed attempt (CLI commands should not hang). */
  waitForServer?: boolean;
  /** Where this connection's request inboxes live (the embedded server lets each user read only its own). */
  inboxPrefix?: string;
}

export function connectionOptions(options: ConnectOptions): ConnectionOptions {
  const servers = options.url
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  if (servers.length === 0) throw new BusError('nats: no server URL to connect to');
  const wait = options.waitForServer ?? true;
  const result: ConnectionOptions = {
    servers,
    name: options.name,
    maxReconnectAttempts: wait ? -1 : 0,
    waitOnFirstConnect: wait,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 10_000,
    timeout: 2_000,
  };
  // A user's replies arrive under its own inbox prefix: the only inboxes its permissions let it read.
  const inbox = options.inboxPrefix ?? (options.user ? inboxPrefix(options.user) : undefined);
  if (inbox) result.inboxPrefix = inbox;
  if (options.token) result.token = options.token;
  if (options.user) {
    result.user = options.user;
    result.pass = options.password ?? '';
  }
  if (options.credsFile) {
    result.authenticator = credsAuthenticator(readFileSync(options.credsFile));
  }
  const tls = options.tls;
  if (tls && (tls.caFile || tls.certFile || tls.keyFile)) {
    result.tls = {
      ...(tls.caFile ? { caFile: tls.caFile } : {}),
      ...(tls.certFile ? { certFile: tls.certFile } : {}),
      ...(tls.keyFile ? { keyFile: tls.keyFile } : {}),
    };
  }
  return result;
}

export async function openConnection(options: ConnectOptions, logger?: Logger): Promise<NatsConnection> {
  const warning = plainPasswordWarning(options);
  if (warning) logger?.warn({ url: redactUrl(options.url) }, warning);
  try {
    return await connect(connectionOptions(options));
  } catch (error) {
    throw new BusError(`nats: cannot connect to ${redactUrl(options.url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** A URL as it may appear in logs and status: any user:password@ part removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//[redacted]@');
}

/**
 * A password (or token) sent over plain nats:// to another host can be read on the way: the
 * warning at connect says so. Loopback and tls:// (or a TLS CA configured) are fine.
 */
export function plainPasswordWarning(options: NatsSettings): string | undefined {
  const secret = options.password || options.token || /\/\/[^@/]*:[^@/]*@/.test(options.url);
  if (!secret || options.tls?.caFile || options.tls?.certFile) return undefined;
  const exposed = options.url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '' && !u.startsWith('tls://') && !u.startsWith('wss://') && !isLoopback(hostOf(u)));
  if (exposed.length === 0) return undefined;
  return `nats: a password or token goes in clear text to ${exposed.map(redactUrl).join(', ')}; use tls:// (nats.tls.caFile) or a loopback address`;
}

function hostOf(url: string): string {
  try {
    return new URL(url.includes('://') ? url : `nats://${url}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return url;
  }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}
