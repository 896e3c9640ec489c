// Connection settings: a password or token in clear text to another host is warned about, and a
// connection with a user reads replies under that user's own inbox prefix.
import { describe, expect, it } from 'vitest';
import { connectionOptions, plainPasswordWarning } from '../../src/bus/connect.js';

describe('nats connection settings', () => {
  it('warns when a password or token goes over plain nats:// to a non-loopback host', () => {
    expect(plainPasswordWarning({ url: 'nats://nats.example.com:4222', user: 'roshi', password: 'x' })).toMatch(
      /clear text to nats:\/\/nats\.example\.com:4222/,
    );
    expect(plainPasswordWarning({ url: 'nats://10.0.0.5:4222', token: 't' })).toMatch(/clear text/);
    expect(plainPasswordWarning({ url: 'nats://roshi:pw@nats.example.com:4222' })).toMatch(
      /clear text to nats:\/\/\[redacted\]@nats\.example\.com/,
    );
    expect(
      plainPasswordWarning({ url: 'nats://127.0.0.1:4222,nats://nats.example.com:4222', password: 'x', user: 'u' }),
    ).toMatch(/nats\.example\.com/);
  });

  it('does not warn for loopback, TLS, or no secret', () => {
    expect(plainPasswordWarning({ url: 'nats://127.0.0.1:4222', user: 'roshi', password: 'x' })).toBeUndefined();
    expect(plainPasswordWarning({ url: 'nats://localhost:4222', token: 't' })).toBeUndefined();
    expect(plainPasswordWarning({ url: 'nats://[::1]:4222', token: 't' })).toBeUndefined();
    expect(plainPasswordWarning({ url: 'tls://nats.example.com:4222', user: 'roshi', password: 'x' })).toBeUndefined();
    expect(
      plainPasswordWarning({ url: 'nats://nats.example.com:4222', token: 't', tls: { caFile: '/ca.pem' } }),
    ).toBeUndefined();
    expect(plainPasswordWarning({ url: 'nats://nats.example.com:4222' })).toBeUndefined();
  });

  it('a user reads its replies under _INBOX.<user>', () => {
    expect(connectionOptions({ url: 'nats://127.0.0.1:1', name: 'x', user: 'bridge', password: 'p' }).inboxPrefix).toBe(
      '_INBOX.bridge',
    );
    expect(connectionOptions({ url: 'nats://127.0.0.1:1', name: 'x' }).inboxPrefix).toBeUndefined();
  });
});
