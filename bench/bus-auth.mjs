// The cost of the bus's authorization on the control round trip, measured in the same run:
//
//   auth: a nats-server started with the embedded server's config (one user per actor, the
//         permission table of src/bus/permissions.ts, fresh passwords), a "supervisor" asking
//         roshi.ctl.chat {"verb":"ping"} of a "chat" endpoint, each connected as its own user.
//   open: the same server binary without authorization, the same two connections without users.
//
// Both sides use roshi's Bus and NATS micro endpoint (dist/), in this process, one request at a
// time (latency, not throughput), interleaved in blocks so both share the machine's noise.
// What differs is only what the server does per message: permission checks on publish and
// delivery, and the per-user inbox. Target: auth p50 within 1.1× open p50.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  environment,
  fmt,
  interleavedSamples,
  main,
  mean,
  onCleanup,
  passMiss,
  percentile,
  ROOT,
  startConfiguredNats,
  table,
} from './lib.mjs';

const COUNT = Number(process.env.BENCH_AUTH_COUNT ?? 3_000);
const WARMUP = 400;
const BLOCK = 100;
const TIME_LIMIT_MS = 120_000;
const TARGET = 1.1;
const dist = (path) => import(join(ROOT, 'dist', 'src', path));

const { Bus, registerService } = await dist('bus/index.js');
const { natsUsers } = await dist('bus/permissions.js');
const { withPasswords } = await dist('bus/credentials.js');
const { silentLogger } = await dist('log.js');

async function side(url, credential) {
  const connect = async (user) => {
    const bus = await Bus.connect({
      url,
      name: `bench-${user}`,
      prefix: 'roshi',
      logger: silentLogger(),
      ...(credential ? credential(user) : {}),
    });
    onCleanup(() => bus.drain());
    return bus;
  };
  const chat = await connect('chat');
  await registerService(chat, {
    name: 'roshi-chat',
    version: '0.1.0',
    description: 'bench',
    endpoints: [
      {
        name: 'ctl',
        subject: chat.subjects.control('chat'),
        handler: (p) => (p.verb === 'ping' ? { pong: true, actor: 'chat', pid: process.pid } : undefined),
      },
    ],
  });
  const supervisor = await connect('supervisor');
  return async () => {
    const reply = await supervisor.request(supervisor.subjects.control('chat'), { verb: 'ping' });
    if (reply?.pong !== true) throw new Error(`unexpected ping reply ${JSON.stringify(reply)}`);
  };
}

await main('bus-auth', async () => {
  console.log(`bus-auth: ${environment()}`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-auth-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const users = withPasswords(natsUsers('roshi', ['watchdog', 'missions', 'bridge', 'chat', 'runner-1', 'pr-poller']));
  const authUrl = await startConfiguredNats(mkdtempSync(join(dir, 'auth-')), users);
  // The open server: the same config writer; without users it writes no authorization block.
  const openUrl = await startConfiguredNats(mkdtempSync(join(dir, 'open-')), []);
  const password = (user) => users.find((u) => u.user === user).password;
  const variants = {
    auth: await side(authUrl, (user) => ({ user, password: password(user) })),
    open: await side(openUrl, undefined),
  };

  const samples = await interleavedSamples(variants, {
    count: COUNT,
    warmup: WARMUP,
    block: BLOCK,
    timeLimitMs: TIME_LIMIT_MS,
  });

  const stats = (v) => ({
    n: v.length,
    p50: percentile(v, 50),
    p90: percentile(v, 90),
    p99: percentile(v, 99),
    mean: mean(v),
  });
  const a = stats(samples.auth);
  const o = stats(samples.open);
  const ratio = (k) => a[k] / o[k];
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms'],
      ['ctl ping, per-actor users', a.n, fmt(a.p50, 3), fmt(a.p90, 3), fmt(a.p99, 3), fmt(a.mean, 3)],
      ['ctl ping, no authorization', o.n, fmt(o.p50, 3), fmt(o.p90, 3), fmt(o.p99, 3), fmt(o.mean, 3)],
      ['ratio', '', fmt(ratio('p50')), fmt(ratio('p90')), fmt(ratio('p99')), fmt(ratio('mean'))],
    ]),
  );
  console.log('');
  console.log(`bus-auth: p99 ratio ${fmt(ratio('p99'))} (reported, not judged)`);
  console.log(`bus-auth: p50 ratio ${fmt(ratio('p50'))} (target ≤ ${TARGET}) ${passMiss(ratio('p50') <= TARGET)}`);
});
