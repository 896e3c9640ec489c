// The Discord provider's session against the fake Gateway (tests/fakes/discordGateway.ts): op 7
// and dropped connections resumed with what came meanwhile replayed once, an invalid or timed-out
// session identified afresh and caught up from history, op 1 answered, a zombie connection (no
// heartbeat ACK) dropped and resumed, honest receive health, tokens and a disallowed intent refused
// at start without showing the token, and a clean stop. See docs/chat.md#discord.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../src/adapters/messaging/types.js';
import { ReceiveWatch } from '../../src/bridge/receiveWatch.js';
import { ANA, CHANNEL, discordRig, settle, texts } from '../harness/discordRig.js';
import { collector } from '../harness/providerRig.js';
import { expectWrongTokenRefused } from '../harness/providerScenarios.js';
import { until } from '../harness/until.js';

const { rig, provider } = discordRig();

describe('discord: reconnects', () => {
  it('op 7 and a dropped connection are resumed: what came meanwhile arrives once, in order', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'one');
    await until(() => received.length === 1, 'one');

    rig.fake.gateway.requestReconnect();
    await until(() => rig.fake.gateway.record.resumes.length === 1, 'a resume');
    rig.fake.postUserMessage(CHANNEL, ANA, 'two');
    await until(() => received.length === 2, 'two');

    rig.fake.gateway.dropConnections();
    rig.fake.postUserMessage(CHANNEL, ANA, 'three (while dropped)');
    rig.fake.postUserMessage(CHANNEL, ANA, 'four (while dropped)');
    await until(() => rig.fake.gateway.record.resumes.length === 2, 'the second resume');
    rig.fake.postUserMessage(CHANNEL, ANA, 'five');
    await until(() => received.length === 5, 'five messages');
    await settle();
    expect(texts(received)).toEqual(['one', 'two', 'three (while dropped)', 'four (while dropped)', 'five']);
    const { identifies, resumes } = rig.fake.gateway.record;
    expect(identifies).toHaveLength(1);
    expect(resumes.map((r) => ({ sessionId: r.sessionId, path: r.path }))).toEqual([
      { sessionId: 'session-1', path: '/resume' },
      { sessionId: 'session-1', path: '/resume' },
    ]);
    expect(resumes[1]!.seq).toBeGreaterThan(1);
  });

  it('an invalid session is identified afresh and caught up from history, nothing twice', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'before');
    await until(() => received.length === 1, 'before');
    rig.fake.gateway.invalidateSessions(false);
    rig.fake.postUserMessage(CHANNEL, ANA, 'in the gap');
    await until(() => rig.fake.gateway.record.identifies.length === 2, 'a fresh identify');
    rig.fake.postUserMessage(CHANNEL, ANA, 'after');
    await until(() => received.length === 3, 'three messages');
    await settle();
    expect(texts(received)).toEqual(['before', 'in the gap', 'after']);
  });

  it('a session Discord timed out (4009) is identified afresh and caught up, nothing twice', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'before');
    await until(() => received.length === 1, 'before');
    rig.fake.gateway.closeAll(4009, 'Session timed out.');
    rig.fake.postUserMessage(CHANNEL, ANA, 'in the gap');
    await until(() => rig.fake.gateway.record.identifies.length === 2, 'a fresh identify');
    rig.fake.postUserMessage(CHANNEL, ANA, 'after');
    await until(() => received.length === 3, 'three messages');
    await settle();
    expect(texts(received)).toEqual(['before', 'in the gap', 'after']);
    expect(rig.fake.gateway.record.resumes).toHaveLength(0);
  });

  it('a server asking for a heartbeat (op 1) gets one at once, with the last sequence number', async () => {
    // A minute between heartbeats: the one that comes now is the answer to op 1.
    rig.fake.gateway.heartbeatMs = 60_000;
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    rig.fake.postUserMessage(CHANNEL, ANA, 'moves the sequence to 2');
    await until(() => received.length === 1, 'the message');
    rig.fake.gateway.askHeartbeat();
    await until(() => rig.fake.gateway.record.heartbeats.includes(2), 'a heartbeat with sequence 2');
  });

  it('a connection whose heartbeats go unanswered is dropped and resumed', async () => {
    const p = provider();
    await p.start(async () => {});
    rig.fake.gateway.ackHeartbeats = false;
    await until(() => rig.fake.gateway.record.resumes.length >= 1, 'a resume after the missed ACK');
    rig.fake.gateway.ackHeartbeats = true;
    expect(rig.logLines.join('')).toContain('gateway connection lost');
  });

  it('turns degraded with the reason while the Gateway is unreachable, and up once it is back', async () => {
    const p = provider();
    const { received, onMessage } = collector();
    await p.start(onMessage);
    const watch = new ReceiveWatch([{ name: 'discord', silentAfterMs: 400, receiving: () => p.receiving!() }]);
    const changes: Array<{ degraded: boolean; reason?: string }> = [];
    const check = () => changes.push(...watch.check(Date.now()).map(({ name: _n, ...c }) => c));
    rig.fake.gateway.refuseConnections = true;
    rig.fake.gateway.dropConnections();
    await until(
      () => {
        check();
        return changes.some((c) => c.degraded);
      },
      'degraded',
      { timeoutMs: 10_000 },
    );
    expect(changes[0]!.reason).toMatch(/^receiving: gateway failing for \d+s: gateway closed: /);
    rig.fake.postUserMessage(CHANNEL, ANA, 'after the outage');
    rig.fake.gateway.refuseConnections = false;
    await until(
      () => {
        check();
        return changes.at(-1)?.degraded === false;
      },
      'up again',
      { timeoutMs: 10_000 },
    );
    await until(() => received.length === 1, 'the message');
    expect(changes.map((c) => c.degraded)).toEqual([true, false]);
  });
});

describe('discord: tokens stay secret', () => {
  it('a wrong token fails start() with 401, never showing the token', async () => {
    const wrong = 'MTk5OTk5OTk5OTk5OTk5OTk5OQ.XyZaBc.WrongWrongWrongWrongWrongWrong000';
    const message =
      'discord: getCurrentUser refused: 401 401: Unauthorized (check the bot token in TEST_DISCORD_TOKEN)';
    await expectWrongTokenRefused(provider({ token: wrong }), wrong, message, rig.logLines);
  });

  it('a token the Gateway refuses (4004) fails start(), never showing it', async () => {
    const wrong = 'MTk5OTk5OTk5OTk5OTk5OTk5OQ.XyZaBc.GatewayOnlyWrongToken00000000000';
    // REST is unreachable at start (only logged); the Gateway, reached directly, refuses the token.
    rig.fake.failNext('getCurrentUser', { status: 503 });
    rig.fake.failNext('getChannelMessages', { status: 503 });
    const p = provider({ token: wrong, settings: { gatewayUrl: rig.fake.gatewayUrl } });
    const error = (await p.start(async () => {}).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'discord: gateway refused: 4004 authentication failed (check the bot token in TEST_DISCORD_TOKEN)',
    );
    expect(rig.logLines.join('')).not.toContain(wrong);
  });

  it('the Message Content intent not enabled (4014) fails start() with what to do', async () => {
    rig.fake.gateway.messageContentAllowed = false;
    const error = (await provider()
      .start(async () => {})
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      'discord: gateway refused: 4014 disallowed intents (turn on the Message Content intent under Bot in the Developer Portal)',
    );
    expect(rig.fake.gateway.record.identifies).toHaveLength(0);
  });

  it('stops cleanly: the connection closed, no timer left, idempotent', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const p = provider();
    await p.start(async () => {});
    await until(() => rig.fake.gateway.live === 1, 'connected');
    await p.stop();
    await until(() => rig.fake.gateway.live === 0, 'disconnected');
    expect(timers()).toBeLessThanOrEqual(before);
    await p.stop();
  });
});
