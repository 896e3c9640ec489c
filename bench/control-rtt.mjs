// Control round trip through an actor vs a raw NATS request, measured in the same run.
//
//   actor: request roshi.ctl.chat {"verb":"ping"} → the chat actor's NATS micro endpoint →
//          Bus.answer (decode, handler, roshi reply envelope) → JSON reply, decoded here.
//   raw:   request bench.echo.<run> with the same bytes → a bare Node process (bench/bare-client.mjs)
//          on the same server that answers with msg.respond(msg.data). The physical limit: same
//          client library, same server, same loopback, one more process hop each way.
//
// One request at a time (latency, not throughput), interleaved in blocks so both sides share
// the machine's noise. Target: actor p50 within 1.5× raw p50.
import { join } from 'node:path';
import { StringCodec } from 'nats';
import {
  environment,
  fmt,
  interleavedSamples,
  main,
  mean,
  passMiss,
  percentile,
  ROOT,
  RUN_ID,
  spawnReadyNode,
  table,
  Tree,
} from './lib.mjs';

const COUNT = Number(process.env.BENCH_RTT_COUNT ?? 2_000);
const WARMUP = 300;
const BLOCK = 100;
const TIME_LIMIT_MS = 120_000;
const TARGET = 1.5;
const sc = StringCodec();

await main('control-rtt', async () => {
  console.log(`control-rtt: ${environment()}`);
  const tree = await Tree.start();
  await tree.waitForRunning();
  const echoSubject = `bench.echo.${RUN_ID}`;
  await spawnReadyNode([join(ROOT, 'bench', 'bare-client.mjs'), tree.url, '--echo', echoSubject], {
    env: tree.operatorEnv,
  });

  const nc = tree.nc;
  const payload = sc.encode(JSON.stringify({ verb: 'ping' }));
  const variants = {
    actor: async () => {
      const msg = await nc.request('roshi.ctl.chat', payload, { timeout: 2_000 });
      const reply = JSON.parse(sc.decode(msg.data));
      if (reply.ok !== true || reply.data?.pong !== true)
        throw new Error(`unexpected ping reply ${sc.decode(msg.data)}`);
    },
    raw: async () => {
      const msg = await nc.request(echoSubject, payload, { timeout: 2_000 });
      JSON.parse(sc.decode(msg.data));
    },
  };
  // Warm-up (JIT, connection buffers, the server's subject cache), then interleaved blocks.
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
    max: Math.max(...v),
  });
  const a = stats(samples.actor);
  const r = stats(samples.raw);
  const ratio = (k) => a[k] / r[k];
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'max ms'],
      ['actor ctl ping', a.n, fmt(a.p50, 3), fmt(a.p90, 3), fmt(a.p99, 3), fmt(a.mean, 3), fmt(a.max, 3)],
      ['raw NATS echo', r.n, fmt(r.p50, 3), fmt(r.p90, 3), fmt(r.p99, 3), fmt(r.mean, 3), fmt(r.max, 3)],
      ['ratio', '', fmt(ratio('p50')), fmt(ratio('p90')), fmt(ratio('p99')), fmt(ratio('mean')), ''],
    ]),
  );
  console.log('');
  console.log(
    `control-rtt: p99 ratio ${fmt(ratio('p99'))} (${fmt(a.p99, 3)} ms vs ${fmt(r.p99, 3)} ms; reported, not judged)`,
  );
  console.log(`control-rtt: p50 ratio ${fmt(ratio('p50'))} (target ≤ ${TARGET}) ${passMiss(ratio('p50') <= TARGET)}`);
});
