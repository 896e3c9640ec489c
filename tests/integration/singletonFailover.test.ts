// Singleton fail-over with real processes (docs/scale-out.md#singleton-leases): two bridge actors
// of two hosts (h1-bridge, h2-bridge, from dist/) on one real nats-server, both speaking to one
// fake Telegram bot, each through its own counting proxy. The server has roshi's permissions
// table for these hosts, and each process connects as its own user (so the lease bucket grant
// is exercised: a missing one would show as a permissions violation). Only the lease holder polls and sends;
// a SIGKILLed holder is replaced within 2 × leaseTtl; a holder frozen by SIGSTOP past its deadline
// is replaced, and when continued it exits (75) before any request of its own reaches Telegram.
// Every outbox notification is sent exactly once. Needs `npm run -s build` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_LOST_EXIT_CODE } from '../../src/actors/singletonLease.js';
import { Bus } from '../../src/bus/bus.js';
import { externalServerBlock, natsUsers, OPERATOR_USER, passwordVariable } from '../../src/bus/permissions.js';
import { silentLogger } from '../../src/log.js';
import { ensureOutbox, publishDurable } from '../../src/bus/streams.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram.js';
import { startCountingProxy, type CountingProxy } from '../harness/countingProxy.js';
import {
  startHostActor,
  stopHostActor,
  watchHeartbeats,
  writeHostConfig,
  type HostActor,
} from '../harness/hostActors.js';
import { useNats } from '../harness/nats.js';
import { until } from '../harness/until.js';

const TTL_MS = 3_000;
const HOSTS = ['h1', 'h2'] as const;
const USERS = natsUsers('roshi', ['h1-bridge', 'h2-bridge']);
const password = (user: string) => `pw-${user}-${process.pid}`;
const nats = useNats({
  configText: externalServerBlock(USERS),
  env: Object.fromEntries(USERS.map((u) => [passwordVariable(u.user), password(u.user)])),
});

let dir: string;
let bus: Bus;
let telegram: FakeTelegram;
const proxies = new Map<string, CountingProxy>();
const configs = new Map<string, string>();
const actors: HostActor[] = [];
let heartbeats: ReturnType<typeof watchHeartbeats>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-singleton-'));
  telegram = await startFakeTelegram();
  bus = await Bus.connect({
    url: nats.url,
    user: OPERATOR_USER,
    password: password(OPERATOR_USER),
    name: 'singleton-test',
    prefix: 'roshi',
    logger: silentLogger(),
  });
  await ensureOutbox(bus);
  heartbeats = watchHeartbeats(bus);
  for (const host of HOSTS) {
    const proxy = await startCountingProxy(telegram.url);
    proxies.set(host, proxy);
    configs.set(
      host,
      writeHostConfig(dir, host, {
        nats: { url: nats.url },
        heartbeat: { interval: '200ms' },
        supervision: { leaseTtl: `${TTL_MS}ms` },
        bridge: {
          providers: ['telegram'],
          allowedUsers: ['telegram:1'],
          telegram: {
            apiUrl: proxy.url,
            tokenEnv: 'TELEGRAM_BOT_TOKEN',
            chatId: '1',
            minInterval: '20ms',
            pollTimeout: '1s',
          },
        },
      }),
    );
  }
});

afterAll(async () => {
  heartbeats?.stop();
  await bus?.drain().catch(() => {});
  for (const actor of actors) await stopHostActor(actor);
  for (const proxy of proxies.values()) await proxy.stop();
  await telegram?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(host: (typeof HOSTS)[number]): HostActor {
  const name = `${host}-bridge`;
  const actor = startHostActor(name, configs.get(host)!, join(dir, 'logs'), {
    TELEGRAM_BOT_TOKEN: telegram.token,
    ROSHI_NATS__USER: name,
    ROSHI_NATS__PASSWORD: password(name),
  });
  actors.push(actor);
  return actor;
}

/** Waits until `actor` (this very process) heartbeats with lease role `role`. */
function roleOf(actor: HostActor, role: 'standby' | 'active', timeoutMs = 20_000) {
  return until(
    () => {
      const beat = heartbeats.latest.get(actor.name);
      return beat?.pid === actor.pid && beat.lease === role ? beat : undefined;
    },
    `${actor.name} (pid ${actor.pid}) ${role}`,
    { timeoutMs, intervalMs: 20, detail: () => actor.log().slice(-3000) },
  );
}

let notified = 0;
/** Puts one notification in the outbox and waits until Telegram got it; returns its text. */
async function notify(): Promise<string> {
  const text = `notification ${++notified}`;
  await publishDurable(
    bus,
    bus.subjects.bridgeOut,
    { id: `n${notified}`, kind: 'notification', source: 'test', text, at: Date.now() },
    `n${notified}`,
  );
  await until(() => telegram.sent.find((m) => m.shown.includes(text)), `"${text}" sent`, { timeoutMs: 20_000 });
  return text;
}

function sentTimes(text: string): number {
  return telegram.sent.filter((m) => m.shown.includes(text)).length;
}

describe('a singleton on two hosts', () => {
  let h1: HostActor;
  let h2: HostActor;

  it('works only where the lease is held; the standby makes no request at all', async () => {
    h1 = start('h1');
    await roleOf(h1, 'active');
    h2 = start('h2');
    await roleOf(h2, 'standby');
    await until(() => (proxies.get('h1')!.counts.get('getUpdates') ?? 0) >= 2, 'h1 polls Telegram');
    const text = await notify();
    // The standby is up and heartbeating, and never reached Telegram.
    await roleOf(h2, 'standby');
    expect(proxies.get('h2')!.total()).toBe(0);
    expect(heartbeats.latest.get('h2-bridge')?.state).toBe('standby');
    expect(sentTimes(text)).toBe(1);
  });

  it('SIGKILL of the holder: the standby takes over within 2 × leaseTtl', async () => {
    h1.child.kill('SIGKILL');
    const killedAt = Date.now();
    await h1.exited;
    await roleOf(h2, 'active', 2 * TTL_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * TTL_MS);
    const text = await notify();
    expect(sentTimes(text)).toBe(1);
    await until(() => (proxies.get('h2')!.counts.get('getUpdates') ?? 0) >= 1, 'h2 polls Telegram');
  });

  it('SIGSTOP of the holder past its deadline: the other takes over, the continued one exits before any request', async () => {
    h1 = start('h1'); // as the supervisor would restart it: in standby
    await roleOf(h1, 'standby');
    h2.child.kill('SIGSTOP');
    await roleOf(h1, 'active', 2 * TTL_MS + 5_000);
    const h2Requests = proxies.get('h2')!.total();
    h2.child.kill('SIGCONT');
    expect(await h2.exited).toEqual({ code: LEASE_LOST_EXIT_CODE, signal: null });
    expect(proxies.get('h2')!.total()).toBe(h2Requests);
    expect(h2.log()).toMatch(/lease lost: stopping at once/);
    const text = await notify();
    expect(sentTimes(text)).toBe(1);
    // Every notification of the run went out exactly once.
    for (let i = 1; i <= notified; i++) expect(sentTimes(`notification ${i}`)).toBe(1);
  });

  it('a clean stop releases the lease: the standby takes over at once, without waiting out the ttl', async () => {
    const h2b = start('h2');
    await roleOf(h2b, 'standby');
    h1.child.kill('SIGTERM');
    expect((await h1.exited).code).toBe(0);
    await roleOf(h2b, 'active', TTL_MS);
    for (const actor of actors) expect(actor.log()).not.toMatch(/permissions? violation|nats refused/i);
  });
});
