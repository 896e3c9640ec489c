// The bridge's receive loop against a chat service that answers at once (a proxy, or a Bot API
// that ignores the long-poll timeout), and after an outage. A real tree from dist/ whose bridge
// polls a local Telegram stand-in: getUpdates answers [] at once unless an update waits, and
// during the outage every call gets 502. Method and results: docs/performance.md#bridge-idle.
//
//   node bench/bridge-idle.mjs        (after `npm run build`; BENCH_IDLE_SECONDS, BENCH_OUTAGE_SECONDS)
//
// Targets (issue 14): bridge CPU while idle < 1 % of a core; from the outage's end to the first
// answered command ≤ 2 s. Each is printed as a ratio against its limit (≤ 1 passes).
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { clockTick, cpuTicks, environment, fmt, main, onCleanup, passMiss, sleep, table, Tree } from './lib.mjs';

const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 20);
const OUTAGE_SECONDS = Number(process.env.BENCH_OUTAGE_SECONDS ?? 20);
const CPU_LIMIT = 0.01; // of one core
const RECOVERY_LIMIT_MS = 2_000;
const TOKEN = '4242:bench-token';
const OPERATOR = 7;

/** A Telegram Bot API stand-in that never holds a poll. */
async function instantTelegram() {
  const state = { down: false, hold: false, held: [], polls: 0, updates: [], nextId: 1, sent: [] };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const method = req.url.split('/').pop();
      const answer = (result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, result }));
      };
      if (state.down) {
        res.writeHead(502, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ok: false, error_code: 502, description: 'Bad Gateway' }));
      }
      const params = body ? JSON.parse(body) : {};
      if (method === 'getMe')
        return answer({ id: 4242, is_bot: true, first_name: 'roshi', username: 'roshi_bench_bot' });
      if (method === 'getUpdates') {
        state.polls++;
        const offset = params.offset ?? 0;
        state.updates = state.updates.filter((u) => u.update_id >= offset);
        // Holding: as Telegram does, the poll waits out its timeout when nothing is there.
        if (state.hold && state.updates.length === 0) {
          let answered = false;
          const release = () => {
            if (answered) return;
            answered = true;
            answer([]);
          };
          state.held.push(release);
          return void setTimeout(release, (params.timeout ?? 0) * 1000).unref();
        }
        return answer(state.updates);
      }
      if (method === 'sendMessage') {
        state.sent.push({ at: performance.now(), text: params.text });
        return answer({ message_id: state.nextId++, chat: { id: params.chat_id }, date: 0, text: params.text });
      }
      return answer(true);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}`;
  const release = () => {
    state.hold = false;
    for (const r of state.held.splice(0)) r();
  };
  const push = (text) =>
    state.updates.push({
      update_id: 1000 + state.nextId,
      message: {
        message_id: state.nextId++,
        from: { id: OPERATOR, is_bot: false, first_name: 'op' },
        chat: { id: OPERATOR, type: 'private' },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    });
  return { url, state, push, release };
}

await main('bridge-idle', async () => {
  console.log(environment());
  const telegram = await instantTelegram();
  const tree = await Tree.start(
    {
      log: { level: 'info' },
      actors: { chat: { enabled: false }, prPoller: { enabled: false }, runner: { enabled: false } },
      bridge: {
        providers: ['telegram'],
        allowedUsers: [`telegram:${OPERATOR}`],
        telegram: {
          apiUrl: telegram.url,
          tokenEnv: 'BENCH_TELEGRAM_TOKEN',
          chatId: String(OPERATOR),
          minInterval: '0ms',
        },
      },
    },
    { env: { BENCH_TELEGRAM_TOKEN: TOKEN } },
  );
  onCleanup(() => tree.stop());
  const status = await tree.waitForStatus(
    (s) => s.children.some((c) => c.name === 'bridge' && c.state === 'running' && c.pid),
    30_000,
    'the bridge running',
  );
  const pid = status.children.find((c) => c.name === 'bridge').pid;
  await sleep(3_000); // start-up settles

  /** The bridge's share of a core and the polls per second over IDLE_SECONDS. */
  const idle = async () => {
    const ticks0 = cpuTicks(pid);
    const polls0 = telegram.state.polls;
    const t0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    return {
      cpu: (cpuTicks(pid) - ticks0) / clockTick() / seconds,
      pollsPerSecond: (telegram.state.polls - polls0) / seconds,
    };
  };
  // First as Telegram behaves (polls held 30 s): the bridge's own idle cost, for comparison.
  telegram.state.hold = true;
  await sleep(1_000);
  const held = await idle();
  // Then every poll answered at once: what the floor between polls is for.
  telegram.release();
  const { cpu, pollsPerSecond } = await idle();

  // An outage, then the first command after it.
  telegram.state.down = true;
  await sleep(OUTAGE_SECONDS * 1000);
  const sentBefore = telegram.state.sent.length;
  telegram.state.down = false;
  const healedAt = performance.now();
  telegram.push('/help');
  const deadline = Date.now() + 60_000;
  while (telegram.state.sent.length === sentBefore && Date.now() < deadline) await sleep(10);
  const reply = telegram.state.sent[sentBefore];
  const recoveryMs = reply ? reply.at - healedAt : Number.POSITIVE_INFINITY;

  console.log(
    table([
      ['measure', 'value', 'limit', 'ratio', ''],
      [
        'bridge CPU idle (share of a core)',
        fmt(cpu * 100, 3) + ' %',
        '1 %',
        fmt(cpu / CPU_LIMIT),
        passMiss(cpu < CPU_LIMIT),
      ],
      ['getUpdates calls/s idle', fmt(pollsPerSecond, 1), '-', '-', ''],
      ['same bridge, polls held 30 s (CPU)', fmt(held.cpu * 100, 3) + ' %', '-', '-', ''],
      ['same bridge, polls held 30 s (calls/s)', fmt(held.pollsPerSecond, 2), '-', '-', ''],
      [
        `outage end (${OUTAGE_SECONDS}s of 502) → first reply`,
        fmt(recoveryMs, 0) + ' ms',
        `${RECOVERY_LIMIT_MS} ms`,
        fmt(recoveryMs / RECOVERY_LIMIT_MS),
        passMiss(recoveryMs <= RECOVERY_LIMIT_MS),
      ],
    ]),
  );
});
