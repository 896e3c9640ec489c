// Connection options normalised once, here. The client defaults are wrong for a daemon:
// maxReconnectAttempts is 10 (a 20 s outage would close the connection for good) and the first
// connect fails at once when the server is still starting. roshi reconnects forever and waits.
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';
import { BusError } from '../errors.js';

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
}

export function connectionOptions(options: ConnectOptions): ConnectionOptions {
  const servers = options.url.split(',').map((url) => url.trim()).filter(Boolean);
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

export async function openConnection(options: ConnectOptions): Promise<NatsConnection> {
  try {
    return await connect(connectionOptions(options));
  } catch (error) {
    throw new BusError(`nats: cannot connect to ${redactUrl(options.url)}: ${(error as Error).message}`, { cause: error });
  }
}

/** A URL as it may appear in logs and status: any user:password@ part removed. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/g, '//[redacted]@');
}
