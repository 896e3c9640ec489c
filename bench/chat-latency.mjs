// Chat reply latency through the bridge, with and without a mission running, against the agent
// CLI's own start-up and run measured in the same run.
//
//   roshi:  publish { text, user: 'operator', chat } on roshi.bridge.in (the console provider)
//           → (a) the scripted Messages API receives the chat agent's first request for that
//             question (the chat's prompt holds the question and its marker): the CLI was
//             spawned, started and asked the model
//           → (b) the reply on roshi.bridge.console (bridge → chat.req → chat actor → agent CLI
//             → chat reply → durable outbox → console provider).
//   limit:  the same CLI (node_modules/.bin/claude) with the argv the chat builds
//           (buildClaudeArgs from dist/: max-turns 10, the read-only tools), the prompt the chat
//           rendered for the warm-up question on stdin, the same environment and the same
//           scripted API, spawned directly in an empty directory: spawn → its first API request,
//           and spawn → exit.
//
// Questions alternate in blocks (BENCH_CHAT_BLOCK, default 2) between an idle tree and a tree
// whose runner has a mission inside a Bash `sleep 60` (the agent is waiting on its tool; one
// mission per busy block, cancelled after it), and every question is followed by a direct
// run, so all three share the machine's noise. Each question goes to a fresh chat id, so no
// history grows between samples (the busy prompt carries the running mission, as it should).
//
// The real tree from dist/: bridge (console provider, allowedUsers console:operator), chat,
// missions and one runner; pr-poller off; no GitHub token. The scripted API is this file's own
// (the one in missionWorld.mjs cannot tell chat turns apart): it stamps each request when it
// arrives, answers `bench-chat-<tag>` with text, `bench-nap-<n>` with a Bash sleep first.
//
//   node bench/chat-latency.mjs        (after `npm run build`; BENCH_CHAT_COUNT=… for ≠ 10 each)
//
// Target (this benchmark's own choice): in → reply p50 with a mission running within 1.2× the
// same figure on an idle tree.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { StringCodec } from 'nats';
import {
  environment,
  fmt,
  isAlive,
  MARK,
  main,
  mean,
  onCleanup,
  PACKAGE_ROOT,
  passMiss,
  percentile,
  RUN_ID,
  sleep,
  table,
  Tree,
} from './lib.mjs';
import { addMission, CLAUDE, createMissionWorld, MissionWatcher, waitRunnerIdle } from './missionWorld.mjs';

const COUNT = Number(process.env.BENCH_CHAT_COUNT ?? 10);
const BLOCK = Math.max(1, Number(process.env.BENCH_CHAT_BLOCK ?? 2));
const TARGET = Number(process.env.BENCH_CHAT_TARGET ?? 1.2);
const REPLY_TIMEOUT_MS = 60_000;
const NAP_SECONDS = 60;
const SETTLE_MS = 300;
const sc = StringCodec();
const dist = (path) => import(join(PACKAGE_ROOT, 'dist', 'src', path));

const stats = (v) => ({
  n: v.length,
  p50: percentile(v, 50),
  p99: percentile(v, 99),
  mean: mean(v),
  min: Math.min(...v),
  max: Math.max(...v),
});
const row = (name, v) => {
  const s = stats(v);
  return [name, s.n, fmt(s.p50, 1), fmt(s.p99, 1), fmt(s.mean, 1), fmt(s.min, 1), fmt(s.max, 1)];
};

// ---- the scripted Messages API ----------------------------------------------------------------

const CHAT = /bench-chat-([a-z0-9]+)/g;
const NAP = /bench-nap-([a-z0-9]+)/;

/**
 * Answers the chat's questions with text naming their tag, and a mission `bench-nap-<n>` with a
 * Bash call that sleeps (its pid in <dir>/nap-<n>.pid), then text. Remembers when the first
 * request naming each chat tag arrived (performance.now(), stamped before the body is read).
 */
async function startApi(dir) {
  const firstChat = new Map(); // tag → { t, wall, prompt }
  const sockets = new Set();
  let posts = 0;
  const server = createServer((req, res) => {
    const t = performance.now();
    const wall = Date.now();
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const pathname = (req.url ?? '/').split('?')[0];
      if (req.method === 'HEAD' && pathname === '/') return void res.writeHead(200).end();
      if (req.method !== 'POST' || pathname !== '/v1/messages') {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({
            type: 'error',
            error: { type: 'not_found_error', message: `no route for ${req.method} ${pathname}` },
          }),
        );
      }
      posts++;
      let body = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        // answered with text below
      }
      const conversation = JSON.stringify(body.messages ?? []);
      // A chat prompt also names the running mission (bench-nap-…): the chat tag decides. The
      // question ends the prompt, so its tag is the last one.
      const chatTag = [...conversation.matchAll(CHAT)].map((m) => m[1]).pop();
      const napTag = NAP.exec(conversation)?.[1];
      const toolResults = (conversation.match(/"tool_result"/g) ?? []).length;
      let step;
      if (chatTag) {
        if (!firstChat.has(chatTag)) firstChat.set(chatTag, { t, wall, prompt: lastUserText(body) });
        step = { text: `answer bench-chat-${chatTag}` };
      } else if (napTag) {
        step =
          toolResults === 0
            ? {
                toolUse: {
                  name: 'Bash',
                  input: {
                    command: `sleep ${NAP_SECONDS} & echo $! > ${join(dir, `nap-${napTag}.pid`)}; wait $!`,
                    description: 'take a long nap',
                  },
                },
              }
            : { text: 'slept' };
      } else {
        step = { text: 'Nothing to do.' };
      }
      answer(res, step, typeof body.model === 'string' ? body.model : 'claude-fake-1');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  onCleanup(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  return { url: `http://127.0.0.1:${server.address().port}`, firstChat, posts: () => posts };
}

/** The text of the first user message's last text block: the prompt as the CLI got it on stdin. */
function lastUserText(body) {
  const first = (body.messages ?? []).find((m) => m.role === 'user');
  if (!first) return undefined;
  if (typeof first.content === 'string') return first.content;
  const texts = (first.content ?? []).filter(
    (b) => b.type === 'text' && typeof b.text === 'string' && !b.text.startsWith('<system-reminder>'),
  );
  return texts.at(-1)?.text;
}

function answer(res, step, model) {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_${randomBytes(8).toString('hex')}`,
  });
  const send = (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', {
    type: 'message_start',
    message: {
      id: `msg_${randomBytes(12).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 120, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    },
  });
  let index = 0;
  if (step.text !== undefined) {
    send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: step.text } });
    send('content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  if (step.toolUse) {
    const id = `toolu_${randomBytes(12).toString('hex')}`;
    send('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id, name: step.toolUse.name, input: {} },
    });
    send('content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'input_json_delta', partial_json: JSON.stringify(step.toolUse.input) },
    });
    send('content_block_stop', { type: 'content_block_stop', index });
  }
  send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: step.toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: 30 },
  });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

// ---- the direct run ----------------------------------------------------------------------------

/** The CLI with the chat's argv, the prompt on stdin; ms from spawn to exit (first request: from the API). */
function runDirect({ args, prompt, cwd, env }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(CLAUDE, args, {
      cwd,
      env: { ...env, [MARK]: RUN_ID },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const forget = onCleanup(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    let out = '';
    let stderr = '';
    child.on('error', reject);
    child.stdin.end(prompt);
    child.stdout.on('data', (c) => (out += c.toString()));
    child.stderr.on('data', (c) => (stderr += c.toString()));
    child.once('exit', (code, signal) => {
      const exitMs = performance.now() - t0;
      forget();
      // 'close' would wait for the pipes; the exit is what the chat's run waits for first.
      setImmediate(() => {
        const result = out
          .split('\n')
          .map((l) => {
            try {
              return JSON.parse(l);
            } catch {
              return undefined;
            }
          })
          .find((e) => e?.type === 'result');
        if (code !== 0 || !result || result.is_error)
          return reject(
            new Error(
              `direct run failed (exit ${code ?? signal}): ${JSON.stringify(result)?.slice(0, 300)} ${stderr.slice(-500)}`,
            ),
          );
        resolve({ t0, exitMs, result });
      });
    });
  });
}

// ---- logs --------------------------------------------------------------------------------------

function logLines(stateDir, name) {
  try {
    return readFileSync(join(stateDir, 'logs', `${name}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          return undefined;
        }
      })
      .filter(Boolean);
  } catch {
    return [];
  }
}

// ---- the benchmark -----------------------------------------------------------------------------

await main('chat-latency', async () => {
  console.log(`chat-latency: ${environment()}`);
  const world = await createMissionWorld();
  const napDir = join(world.dir, 'naps');
  mkdirSync(napDir);
  const api = await startApi(napDir);
  const agentEnv = { ...world.agentEnv, ANTHROPIC_BASE_URL: api.url };
  const config = world.config({
    actors: { bridge: { enabled: true }, chat: { enabled: true }, prPoller: { enabled: false } },
    bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
  });
  config.agent = { ...config.agent, env: agentEnv };
  const tree = await Tree.start(config, { env: world.treeEnv });
  await tree.waitForRunning(['watchdog', 'missions', 'bridge', 'chat', 'runner-1']);
  for (const deadline = Date.now() + 20_000; ; ) {
    const reply = await tree.request('roshi.ctl.bridge', { verb: 'providers' }).catch(() => undefined);
    if (reply?.state === 'running' && reply.providers?.console?.state === 'up' && reply.outbox?.ready) break;
    if (Date.now() > deadline) throw new Error(`bridge not ready: ${JSON.stringify(reply)}`);
    await sleep(100);
  }
  const watcher = new MissionWatcher(tree);

  // Replies on the console, stamped on arrival.
  const replies = new Map(); // tag → { t, wall, text }
  const replyWaiters = new Map();
  const sub = tree.nc.subscribe('roshi.bridge.console', {
    callback: (error, msg) => {
      if (error) return;
      const t = performance.now();
      const wall = Date.now();
      let line;
      try {
        line = JSON.parse(sc.decode(msg.data));
      } catch {
        return;
      }
      const tag = /answer bench-chat-([a-z0-9]+)/.exec(line.text ?? '')?.[1];
      if (!tag || replies.has(tag)) return;
      replies.set(tag, { t, wall, text: line.text, chatId: line.chatId });
      replyWaiters.get(tag)?.();
    },
  });
  onCleanup(() => sub.unsubscribe());

  let seq = 0;
  /** One question through the bridge; resolves with its timings (ms from the publish). */
  const ask = async () => {
    const tag = `q${++seq}`;
    const got = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no reply to bench-chat-${tag} within ${REPLY_TIMEOUT_MS} ms\n${tree.output().slice(-1500)}`),
          ),
        REPLY_TIMEOUT_MS,
      );
      replyWaiters.set(tag, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const wall = Date.now();
    const t0 = performance.now();
    tree.nc.publish(
      'roshi.bridge.in',
      sc.encode(
        JSON.stringify({
          text: `what is running right now? bench-chat-${tag}`,
          user: 'operator',
          chat: `bench-${tag}`,
        }),
      ),
    );
    await got;
    replyWaiters.delete(tag);
    const first = api.firstChat.get(tag);
    const reply = replies.get(tag);
    if (!first) throw new Error(`the API never saw a request for bench-chat-${tag}`);
    return {
      tag,
      wall,
      request: first.t - t0,
      reply: reply.t - t0,
      replyWall: reply.wall,
      firstWall: first.wall,
      prompt: first.prompt,
    };
  };

  const { buildClaudeArgs } = await dist('adapters/agent/claude.js');
  const { CHAT_MAX_TURNS } = await dist('actors/chat.js');
  const { readOnlyTools } = await dist('chat/turn.js');
  // What the chat actor passes with the default chat settings (src/actors/chat.ts).
  const chatArgs = buildClaudeArgs({
    maxTurns: Math.min(50, CHAT_MAX_TURNS),
    allowedTools: readOnlyTools(['Read', 'Glob', 'Grep', 'LS']).allowed,
  });
  const directDir = join(world.dir, 'direct-chat');
  mkdirSync(directDir);
  const directEnv = {
    ...Object.fromEntries(Object.entries(world.treeEnv).filter(([, v]) => v !== undefined)),
    ...agentEnv,
  };
  let promptTemplate;
  const direct = async () => {
    const tag = `d${++seq}`;
    const run = await runDirect({
      args: chatArgs,
      prompt: promptTemplate.replaceAll('bench-chat-TAG', `bench-chat-${tag}`),
      cwd: directDir,
      env: directEnv,
    });
    const first = api.firstChat.get(tag);
    if (!first) throw new Error(`the API never saw the direct run's request (bench-chat-${tag})`);
    return { request: first.t - run.t0, exit: run.exitMs };
  };

  // A mission whose agent sits in `sleep 60`; resolves once the sleep runs.
  let napSeq = 0;
  let nap; // { id, pid }
  let survivors = 0;
  const startNap = async () => {
    await waitRunnerIdle(tree);
    const n = `n${++napSeq}`;
    const { mission } = await addMission(tree, `take a long nap bench-nap-${n}`);
    const pidFile = join(napDir, `nap-${n}.pid`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (pid > 0 && isAlive(pid)) {
          nap = { id: mission.id, pid };
          onCleanup(() => {
            if (isAlive(pid)) process.kill(pid, 'SIGKILL');
          });
          break;
        }
      } catch {
        // not yet
      }
      if (Date.now() > deadline)
        throw new Error(
          `mission ${mission.id}: its agent did not start sleeping within 30 s\n${tree.output().slice(-1500)}`,
        );
      await sleep(50);
    }
    await sleep(SETTLE_MS);
  };
  const stopNap = async () => {
    if (!nap) return;
    const { id, pid } = nap;
    nap = undefined;
    await tree.request('roshi.missions.cancel', { id }, 5_000).catch(() => undefined);
    await watcher.waitForEvent(id, ['cancelled', 'finished', 'failed'], 30_000, 'nap cancelled');
    // The runner kills the agent's process group on cancel; the agent's Bash tool's `sleep` should go with it.
    for (const until = Date.now() + 2_000; isAlive(pid) && Date.now() < until; ) await sleep(50);
    if (isAlive(pid)) {
      survivors++;
      process.kill(pid, 'SIGKILL');
    }
    await waitRunnerIdle(tree);
    await sleep(SETTLE_MS);
  };
  const napRunning = async () => {
    if (!nap || !isAlive(nap.pid)) return false;
    const mission = await tree.request('roshi.missions.get', { id: nap.id });
    return mission.status === 'running';
  };

  // Warm-up: the CLI's first start in a fresh HOME, JIT in the bridge and the chat; the chat's
  // rendered prompt (idle) becomes the direct runs' prompt.
  const warm = await ask();
  if (!warm.prompt?.includes(`bench-chat-${warm.tag}`))
    throw new Error('could not read the chat prompt from the API request');
  promptTemplate = warm.prompt.replaceAll(`bench-chat-${warm.tag}`, 'bench-chat-TAG');
  await direct();
  await sleep(SETTLE_MS);

  const samples = { idle: [], busy: [], direct: [] };
  const sampleOf = { idle: [], busy: [] };
  let block = 0;
  while (samples.idle.length < COUNT || samples.busy.length < COUNT) {
    const busy = block++ % 2 === 1;
    const kind = busy ? 'busy' : 'idle';
    if (samples[kind].length >= COUNT) continue;
    if (busy) await startNap();
    for (let i = 0; i < BLOCK && samples[kind].length < COUNT; i++) {
      if (busy && !(await napRunning())) throw new Error('the nap mission ended before its block did');
      const sample = await ask();
      if (busy && !(await napRunning()))
        throw new Error(`the nap mission ended before the reply to ${sample.tag} was checked`);
      samples[kind].push(sample);
      await sleep(SETTLE_MS);
      samples.direct.push(await direct());
      await sleep(SETTLE_MS);
    }
    if (busy) await stopNap();
  }

  // Where the time goes, from the logs (ms since the epoch): bridge 'inbound message', chat
  // 'answering', the chat agent's 'agent started' and 'agent finished', chat 'answered'.
  const bridgeLog = logLines(tree.stateDir, 'bridge');
  const chatLog = logLines(tree.stateDir, 'chat');
  const phasesOf = (s) => {
    const chat = `bench-${s.tag}`;
    const inbound = bridgeLog.find((l) => l.msg === 'inbound message' && l.chatId === chat)?.time;
    const answering = chatLog.find((l) => l.msg === 'answering' && l.chat === chat);
    const after = (msg, t) =>
      chatLog.find((l) => l.msg === msg && l.time >= t && (msg !== 'answered' || l.request === answering?.request))
        ?.time;
    const started = answering ? after('agent started', answering.time) : undefined;
    const finished = started !== undefined ? after('agent finished', started) : undefined;
    const answered = answering ? after('answered', answering.time) : undefined;
    return {
      'in → bridge inbound': inbound - s.wall,
      'bridge → chat answering': answering?.time - inbound,
      'answering → agent started': started - answering?.time,
      'agent started → first request': s.firstWall - started,
      'agent started → agent finished': finished - started,
      'agent finished → answered': answered - finished,
      'answered → console reply': s.replyWall - answered,
    };
  };
  const phaseRows = (kind) => {
    const all = samples[kind].map(phasesOf);
    return Object.keys(all[0]).map((k) => row(`  ${k}`, all.map((p) => p[k]).filter(Number.isFinite)));
  };

  const pick = (kind, key) => samples[kind].map((s) => s[key]);
  const idleReply = stats(pick('idle', 'reply'));
  const busyReply = stats(pick('busy', 'reply'));
  const idleReq = stats(pick('idle', 'request'));
  const busyReq = stats(pick('busy', 'request'));
  const dReq = stats(samples.direct.map((d) => d.request));
  const dExit = stats(samples.direct.map((d) => d.exit));
  console.log('');
  console.log(
    table([
      ['', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'min ms', 'max ms'],
      row('idle: in → first API request', pick('idle', 'request')),
      row('idle: in → console reply', pick('idle', 'reply')),
      row('busy: in → first API request', pick('busy', 'request')),
      row('busy: in → console reply', pick('busy', 'reply')),
      row(
        'direct: spawn → first API request',
        samples.direct.map((d) => d.request),
      ),
      row(
        'direct: spawn → exit',
        samples.direct.map((d) => d.exit),
      ),
      ['idle, from the logs', '', '', '', '', '', ''],
      ...phaseRows('idle'),
      ['busy, from the logs', '', '', '', '', '', ''],
      ...phaseRows('busy'),
    ]),
  );
  console.log('');
  console.log(
    `chat-latency: ${api.posts()} API requests; chat argv ${chatArgs.join(' ')}; direct prompt ${promptTemplate.length} chars (the chat's own, idle); ${COUNT} questions each, blocks of ${BLOCK}, ${napSeq} nap missions`,
  );
  console.log(
    `chat-latency: overhead vs the direct CLI (p50): in → request ${fmt(idleReq.p50 - dReq.p50, 0)} ms idle / ${fmt(busyReq.p50 - dReq.p50, 0)} ms busy over spawn → request ${fmt(dReq.p50, 0)} ms; in → reply ${fmt(idleReply.p50 - dExit.p50, 0)} ms idle / ${fmt(busyReply.p50 - dExit.p50, 0)} ms busy over spawn → exit ${fmt(dExit.p50, 0)} ms (ratios ${fmt(idleReply.p50 / dExit.p50)} / ${fmt(busyReply.p50 / dExit.p50)})`,
  );
  console.log(
    `chat-latency: in → first request with/without a mission: p50 ${fmt(busyReq.p50 / idleReq.p50)} (${fmt(busyReq.p50, 1)} vs ${fmt(idleReq.p50, 1)} ms), p99 ${fmt(busyReq.p99 / idleReq.p99)} (${fmt(busyReq.p99, 1)} vs ${fmt(idleReq.p99, 1)} ms; reported, not judged)`,
  );
  console.log(
    `chat-latency: in → reply p99 with/without a mission ${fmt(busyReply.p99 / idleReply.p99)} (${fmt(busyReply.p99, 1)} vs ${fmt(idleReply.p99, 1)} ms; reported, not judged)`,
  );
  console.log(
    `chat-latency: ${survivors} of ${napSeq} nap sleeps outlived their cancelled mission by 2 s (killed here)`,
  );
  const ratio = busyReply.p50 / idleReply.p50;
  console.log(
    `chat-latency: ratio ${fmt(ratio)} (in → reply p50 with a mission ${fmt(busyReply.p50, 1)} ms vs without ${fmt(idleReply.p50, 1)} ms; target ≤ ${TARGET}) ${passMiss(ratio <= TARGET)}`,
  );
  watcher.stop();
});
