// A lease per chat provider (docs/scale-out.md#singleton-leases): the bridge for a given provider
// is the singleton, not the bridge. Two real bridge processes (from dist/) of hosts h1 and h2, both
// configured for {console, telegram}, on one nats-server with roshi's permissions table; h1 has the
// Telegram token (a fake bot behind a counting proxy), h2 does not. Both serve at once: h2 the
// console (it came first) and never Telegram, whose lease it leaves to h1 (it cannot build it:
// failing, with the variable named); h1 Telegram, with console in standby naming h2 as its holder;
// each notice reaches each provider once, through its own outbox consumer. SIGKILL of h2: h1 takes
// the console over within 2 × leaseTtl, and notices published before, during and after the
// hand-over reach the console exactly once. A bridge h3 that can build none of its providers waits
// in standby, says why in its log, and takes no lease, not even a free one. Needs `npm run -s build`
// first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleSubject, type ConsoleOutput } from '../../src/adapters/messaging/console.js';
import { Bus } from '../../src/bus/bus.js';
import { externalServerBlock, natsUsers, OPERATOR_USER, passwordVariable } from '../../src/bus/permissions.js';
import { ensureOutbox, publishDurable } from '../../src/bus/streams.js';
import { silentLogger } from '../../src/log.js';
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
import { sleep } from '../harness/tree.js';
import { until } from '../harness/until.js';

const TTL_MS = 3_000;
const USERS = natsUsers('roshi', ['h1-bridge', 'h2-bridge', 'h3-bridge']);
const password = (user: string) => `pw-${user}-${process.pid}`;
const nats = useNats({
  configText: externalServerBlock(USERS),
  env: Object.fromEntries(USERS.map((u) => [passwordVariable(u.user), password(u.user)])),
});

interface ProvidersReply {
  serving: string[];
  standby: Record<string, { holder: string | null }>;
  providers: Record<string, { state: string; lastError?: string }>;
  outbox: { durable: string[] };
}

let dir: string;
let bus: Bus;
let telegram: FakeTelegram;
let proxy: CountingProxy;
const consoleLines: ConsoleOutput[] = [];
const actors: HostActor[] = [];
let heartbeats: ReturnType<typeof watchHeartbeats>;
const configs = new Map<string, string>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roshi-provider-leases-'));
  telegram = await startFakeTelegram();
  proxy = await startCountingProxy(telegram.url);
  bus = await Bus.connect({
    url: nats.url,
    user: OPERATOR_USER,
    password: password(OPERATOR_USER),
    name: 'provider-leases-test',
    prefix: 'roshi',
    logger: silentLogger(),
  });
  await ensureOutbox(bus);
  heartbeats = watchHeartbeats(bus);
  bus.subscribe(consoleSubject('roshi'), (payload) => void consoleLines.push(payload as unknown as ConsoleOutput));
  const common = {
    nats: { url: nats.url },
    heartbeat: { interval: '200ms' },
    supervision: { leaseTtl: `${TTL_MS}ms` },
  };
  const telegramSection = {
    apiUrl: proxy.url,
    tokenEnv: 'TELEGRAM_BOT_TOKEN',
    chatId: '1',
    minInterval: '20ms',
    pollTimeout: '1s',
  };
  // The same bridge config on h1 and h2; only h1's environment has the token.
  for (const host of ['h1', 'h2'])
    configs.set(
      host,
      writeHostConfig(dir, host, {
        ...common,
        bridge: {
          providers: ['console', 'telegram'],
          allowedUsers: ['telegram:1', 'console:operator'],
          telegram: telegramSection,
        },
      }),
    );
  configs.set(
    'h3',
    writeHostConfig(dir, 'h3', { ...common, bridge: { providers: ['telegram'], telegram: telegramSection } }),
  );
});

afterAll(async () => {
  heartbeats?.stop();
  await bus?.drain().catch(() => {});
  for (const actor of actors) await stopHostActor(actor);
  await proxy?.stop();
  await telegram?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `host`'s bridge; only h1 has the Telegram token (an empty variable is an unset one). */
function start(host: 'h1' | 'h2' | 'h3'): HostActor {
  const name = `${host}-bridge`;
  const actor = startHostActor(name, configs.get(host)!, join(dir, 'logs'), {
    TELEGRAM_BOT_TOKEN: host === 'h1' ? telegram.token : '',
    ROSHI_NATS__USER: name,
    ROSHI_NATS__PASSWORD: password(name),
  });
  actors.push(actor);
  return actor;
}

function active(actor: HostActor, timeoutMs = 20_000) {
  return until(
    () => {
      const beat = heartbeats.latest.get(actor.name);
      return beat?.pid === actor.pid && beat.lease === 'active' ? beat : undefined;
    },
    `${actor.name} (pid ${actor.pid}) active`,
    { timeoutMs, intervalMs: 20, detail: () => actor.log().slice(-3000) },
  );
}

function providersOf(actor: HostActor): Promise<ProvidersReply> {
  return bus.request(bus.subjects.control(actor.name), {
    verb: 'providers',
  }) as Promise<unknown> as Promise<ProvidersReply>;
}

/** Waits until `actor` serves `provider` and that provider receives. */
function serves(actor: HostActor, provider: string, timeoutMs = 20_000) {
  return until(
    async () => {
      const reply = await providersOf(actor).catch(() => undefined);
      return reply?.serving.includes(provider) && reply.providers[provider]?.state === 'up' ? reply : undefined;
    },
    `${actor.name} serving ${provider}`,
    { timeoutMs, intervalMs: 50, detail: () => actor.log().slice(-3000) },
  );
}

let published = 0;
/** Puts one notification for every provider in the outbox; returns its text. */
async function publishNotice(): Promise<string> {
  const id = `notice-${++published}`;
  const text = `notice ${published} of the provider lease test`;
  await publishDurable(
    bus,
    bus.subjects.bridgeOut,
    { id, kind: 'notification', source: 'test', text, at: Date.now() },
    id,
  );
  return text;
}

const onConsole = (text: string) => consoleLines.filter((line) => line.text.includes(text)).length;
const onTelegram = (text: string) => telegram.sent.filter((m) => m.shown.includes(text)).length;

async function reachesBoth(text: string): Promise<void> {
  await until(() => onConsole(text) > 0 && onTelegram(text) > 0, `"${text}" on the console and Telegram`, {
    timeoutMs: 20_000,
  });
}

describe('a lease per chat provider', () => {
  let h1: HostActor;
  let h2: HostActor;

  it('two hosts serve different providers at once: h2 the console and not Telegram, which it cannot build; h1 Telegram; each notice once on each', async () => {
    h2 = start('h2');
    await active(h2);
    await serves(h2, 'console');
    // h2 has no Telegram token: Telegram fails there, with the variable named, and its lease stays free.
    const h2Status = await providersOf(h2);
    expect(h2Status.serving).toEqual(['console']);
    expect(h2Status.standby).toEqual({});
    expect(h2Status.providers.telegram).toMatchObject({
      state: 'failing',
      lastError: expect.stringContaining('TELEGRAM_BOT_TOKEN'),
    });
    expect(h2.log().match(/chat provider not started/g)).toHaveLength(1);
    h1 = start('h1');
    await active(h1);
    const h1Status = await serves(h1, 'telegram');
    expect(h1Status.serving).toEqual(['telegram']);
    expect(h1Status.standby).toEqual({ console: { holder: `h2-bridge/${h2.pid}` } });
    expect(h1Status.providers.console?.state).toBe('standby');
    expect(h1Status.outbox.durable).toEqual(['roshi-bridge-console', 'roshi-bridge-telegram']);
    expect((await providersOf(h2)).serving).toEqual(['console']);

    const text = await publishNotice();
    await reachesBoth(text);
    await sleep(500); // long enough for a second copy to show
    expect(onConsole(text)).toBe(1);
    expect(onTelegram(text)).toBe(1);
    // One consumer per provider; the single host's combined one is never made.
    const jsm = await bus.nc.jetstreamManager();
    const durables = (await jsm.consumers.list(bus.subjects.outboxStream).next()).map((c) => c.name).sort();
    expect(durables).toEqual(['roshi-bridge-console', 'roshi-bridge-telegram']);
  });

  it('SIGKILL of the console holder: the other host configured for it takes over within 2 × leaseTtl, every notice once', async () => {
    const before = await publishNotice();
    await reachesBoth(before);
    await sleep(300); // its sent mark is written
    h2.child.kill('SIGKILL');
    const killedAt = Date.now();
    await h2.exited;
    const during = [await publishNotice(), await publishNotice()];
    await serves(h1, 'console', 2 * TTL_MS);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(2 * TTL_MS);
    const after = await publishNotice();
    for (const text of [...during, after]) await reachesBoth(text);
    await sleep(500);
    for (let i = 1; i <= published; i++) {
      const text = `notice ${i} of the provider lease test`;
      expect(onConsole(text), text).toBe(1);
      expect(onTelegram(text), text).toBe(1);
    }
    const status = await providersOf(h1);
    expect(status.serving.sort()).toEqual(['console', 'telegram']);
    expect(status.standby).toEqual({});
    for (const actor of actors) expect(actor.log()).not.toMatch(/permissions? violation|nats refused/i);
  });

  it('a bridge that can build none of its providers waits in standby, says why, and takes no lease, not even a free one', async () => {
    const h3 = start('h3');
    await until(
      () => heartbeats.latest.get(h3.name)?.pid === h3.pid && heartbeats.latest.get(h3.name)?.lease === 'standby',
      `${h3.name} (pid ${h3.pid}) in standby`,
      { timeoutMs: 20_000, intervalMs: 20, detail: () => h3.log().slice(-3000) },
    );
    expect(h3.log()).toMatch(/no chat provider of bridge\.providers can be built here/);
    const notStarted = h3
      .log()
      .split('\n')
      .filter((line) => line.includes('chat provider not started'));
    expect(notStarted).toEqual([expect.stringContaining('TELEGRAM_BOT_TOKEN')]);
    // h1 stops cleanly and frees Telegram's lease at once: h3, which could not serve it, leaves it free.
    h1.child.kill('SIGTERM');
    expect((await h1.exited).code).toBe(0);
    await sleep(2 * TTL_MS);
    expect(heartbeats.latest.get(h3.name)).toMatchObject({ pid: h3.pid, lease: 'standby' });
    expect(h3.child.exitCode).toBeNull();
  });
});
