// Chat reply latency through the bridge, with and without a mission running, against the agent
// CLI's own start-up and run measured in the same run: in → the chat agent's first API request
// → the reply on roshi.bridge.console, vs the same CLI (the chat's argv and rendered prompt)
// spawned directly. Questions alternate in blocks between an idle tree and one whose runner's
// agent sits in a Bash `sleep 60`. The world's scripted API (tests/fakes/anthropic.ts) gets this
// file's agent. Method and results: docs/performance.md#chat-reply-latency-with-and-without-a-mission-running
//
//   node bench/chat-latency.mjs        (after `npm run build`; BENCH_CHAT_COUNT=… for ≠ 10 each)
//
// Target (this benchmark's own choice): in → reply p50 with a mission running ≤ 1.2× idle.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
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
import { importFake } from './fakes.mjs';
import { actorLog, addMission, CLAUDE, createMissionWorld, MissionWatcher, waitRunnerIdle } from './missionWorld.mjs';

const { conversationOf } = await importFake('anthropic');

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

// ---- the scripted agent ------------------------------------------------------------------------

const CHAT = /bench-chat-([a-z0-9]+)/g;
const NAP = /bench-nap-([a-z0-9]+)/;

/**
 * Answers the chat's questions with text naming their tag, and a mission `bench-nap-<n>` with a
 * Bash call that sleeps (its pid in <dir>/nap-<n>.pid), then text. Remembers when the first
 * request naming each chat tag arrived (the fake's stamp, taken before the body is read).
 */
function chatAgent(dir) {
  const firstChat = new Map(); // tag → { t, wall, prompt }
  const agent = (body, request) => {
    const { text: conversation, toolResults } = conversationOf(body);
    // A chat prompt also names the running mission (bench-nap-…): the chat tag decides. The
    // question ends the prompt, so its tag is the last one.
    const chatTag = [...conversation.matchAll(CHAT)].map((m) => m[1]).pop();
    const napTag = NAP.exec(conversation)?.[1];
    if (chatTag) {
      if (!firstChat.has(chatTag)) {
        const t = request.arrivedAt;
        firstChat.set(chatTag, { t, wall: performance.timeOrigin + t, prompt: lastUserText(body) });
      }
      return { text: `answer bench-chat-${chatTag}` };
    }
    if (!napTag) return { text: 'Nothing to do.' };
    return toolResults === 0
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
  };
  return { agent, firstChat };
}

/** The text of the first user message's last text block: the prompt as the CLI got it on stdin. */
function lastUserText(body) {
  const first = (body?.messages ?? []).find((m) => m.role === 'user');
  if (!first) return undefined;
  if (typeof first.content === 'string') return first.content;
  const texts = (first.content ?? []).filter(
    (b) => b.type === 'text' && typeof b.text === 'string' && !b.text.startsWith('<system-reminder>'),
  );
  return texts.at(-1)?.text;
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

// ---- the benchmark -----------------------------------------------------------------------------

await main('chat-latency', async () => {
  console.log(`chat-latency: ${environment()}`);
  const world = await createMissionWorld();
  const napDir = join(world.dir, 'naps');
  mkdirSync(napDir);
  const api = chatAgent(napDir);
  world.api.setAgent(api.agent);
  const agentEnv = world.agentEnv;
  const config = world.config({
    actors: { bridge: { enabled: true }, chat: { enabled: true }, prPoller: { enabled: false } },
    bridge: { providers: ['console'], allowedUsers: ['console:operator'] },
  });
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

  const { buildClaudeArgs } = await dist('adapters/agent/index.js');
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
  const bridgeLog = actorLog(tree.stateDir, 'bridge');
  const chatLog = actorLog(tree.stateDir, 'chat');
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
    `chat-latency: ${world.api.posts()} API requests; chat argv ${chatArgs.join(' ')}; direct prompt ${promptTemplate.length} chars (the chat's own, idle); ${COUNT} questions each, blocks of ${BLOCK}, ${napSeq} nap missions`,
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
