// The cost of the secret scrubber on 1 MB of agent output, on the path that output takes in the
// runner, measured against the same path without it. Two measurements, both in this process:
//
//   run (judged): the real agent adapter (dist/src/adapters/agent/claude.js) runs a fake agent
//     that prints 1 MB of stream-json; its stdout comes through a real pipe and readline, every
//     line is appended to the run log (a WriteStream), kept in the tail and parsed, and each
//     assistant text or tool call is published as a progress event on a real nats-server through
//     roshi's Bus. "without" runs the very same modules from a copy of dist/ whose
//     secrets/scrubber.js returns its input: the only difference is the scrubber.
//   lines (reported): the same per-line work without the process, the pipe and NATS (readline over
//     pipe-sized chunks, run log, tail, parser, codec), so the scrubber's share of the CPU work
//     shows on its own.
//
// The scrubber knows nine secret values, as a configured tree does. The output is realistic
// (prose, tool calls, command output and source code) with a few token shapes in it. The two
// variants alternate on the same bytes. Target: median run ratio ≤ 1.1.
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environment, fmt, main, median, onCleanup, passMiss, ROOT, startConfiguredNats, table } from './lib.mjs';

const TARGET = 1.1;
const ROUNDS = Number(process.env.BENCH_SCRUB_ROUNDS ?? 15);
const SIZE = 1024 * 1024;
/** What a pipe read delivers at most on Linux. */
const PIPE_CHUNK = 64 * 1024;
const dist = (path) => import(join(ROOT, 'dist', 'src', path));

const { configureSecrets, scrubText } = await dist('secrets/scrubber.js');
const { Bus } = await dist('bus/index.js');
const { silentLogger } = await dist('log.js');
const { encode } = await dist('bus/codec.js');
const { parseStreamLine, summarizeToolInput } = await dist('adapters/agent/streamJson.js');

/** A deterministic pseudo-random source, so every run measures the same bytes. */
function prng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const WORDS =
  'the runner agent mission branch commit test build passes fails function const return import from export await async error value config token github worktree file line change review check gates lint types index'.split(
    ' ',
  );

function agentOutput() {
  const rand = prng(42);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const prose = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const code = (n) =>
    Array.from(
      { length: n },
      (_, i) =>
        `${i + 1}\t  const ${pick(WORDS)}: ${pick(['string', 'number', 'Mission'])} = await ${pick(WORDS)}(${pick(WORDS)}, { ${pick(WORDS)}: ${i} });`,
    ).join('\n');
  const session = 'b6f3c1d2-0000-4000-8000-000000000001';
  const lines = [
    JSON.stringify({
      type: 'system',
      subtype: 'init',
      cwd: '/srv/roshi/workspace/app/m-1',
      session_id: session,
      tools: ['Bash', 'Edit', 'Read', 'Write', 'Glob', 'Grep'],
      model: 'claude-sonnet-4-5',
      claude_code_version: '2.1.197',
    }),
  ];
  let size = lines[0].length;
  let n = 0;
  while (size < SIZE) {
    n++;
    let line;
    const kind = n % 4;
    if (kind === 0) {
      line = JSON.stringify({
        type: 'assistant',
        message: { role: 'assistant', content: [{ type: 'text', text: prose(40 + Math.floor(rand() * 200)) }] },
        session_id: session,
      });
    } else if (kind === 1) {
      const input =
        rand() < 0.5
          ? { command: `npm test -- ${pick(WORDS)}.test.ts 2>&1 | tail -50`, description: prose(6) }
          : {
              file_path: `/srv/roshi/workspace/app/m-1/src/${pick(WORDS)}.ts`,
              old_string: code(5),
              new_string: code(8),
            };
      line = JSON.stringify({
        type: 'assistant',
        message: {
          role: 'assistant',
          content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'command' in input ? 'Bash' : 'Edit', input }],
        },
        session_id: session,
      });
    } else {
      // Command output and file contents; now and then a token the agent found and printed.
      const leak = n % 97 === 0 ? ` remote: using ghp_${'Ab1'.repeat(12)} for push` : '';
      line = JSON.stringify({
        type: 'user',
        message: {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: `toolu_${n - 1}`,
              content: `${code(20 + Math.floor(rand() * 40))}\n${prose(30)}${leak}`,
            },
          ],
        },
        session_id: session,
      });
    }
    lines.push(line);
    size += line.length + 1;
  }
  lines.push(
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: prose(120),
      num_turns: n,
      session_id: session,
      total_cost_usd: 1.23,
      usage: { input_tokens: 120_000, output_tokens: 30_000 },
    }),
  );
  return lines;
}

/**
 * The runner's path for one run's stdout (claude.ts): the bytes arrive in pipe-sized chunks, are
 * split by readline, and each line goes to the run log (an fs WriteStream), the tail buffer and
 * the stream-json parser; assistant texts and tool calls become progress events on the bus
 * (encoded); at the end the summary and error text. Resolves when the run log is flushed.
 */
async function runPath(output, file, scrub) {
  const plain = new TextEncoder();
  const publish = scrub ? (payload) => encode(payload) : (payload) => plain.encode(JSON.stringify(payload ?? null));
  const log = createWriteStream(file, { flags: 'w' });
  const chunks = [];
  for (let at = 0; at < output.length; at += PIPE_CHUNK) chunks.push(output.subarray(at, at + PIPE_CHUNK));
  const rl = createInterface({ input: Readable.from(chunks), crlfDelay: Infinity });
  let tail = '';
  let bytes = 0;
  let result;
  rl.on('line', (line) => {
    log.write(`${scrub ? scrubText(line) : line}\n`);
    tail += `${line}\n`;
    if (tail.length > 16_384) tail = tail.slice(-8192);
    const event = parseStreamLine(line);
    if (!event) return;
    if (event.kind === 'assistant') {
      for (const text of event.texts)
        bytes += publish({
          runner: 'runner-1',
          missionId: 'm-1',
          kind: 'text',
          text: text.slice(0, 300),
          at: Date.now(),
        }).length;
      for (const use of event.toolUses)
        bytes += publish({
          runner: 'runner-1',
          missionId: 'm-1',
          kind: 'tool',
          text: summarizeToolInput(use.name, use.input, 300),
          at: Date.now(),
        }).length;
    } else if (event.kind === 'result') {
      result = event;
    }
  });
  await once(rl, 'close');
  await new Promise((resolve) => log.end(resolve));
  const summary = (result?.result ?? '').slice(0, 4000);
  const error = tail.slice(-2000);
  return bytes + (scrub ? scrubText(summary) + scrubText(error) : summary + error).length;
}

/** A copy of dist/ whose scrubber returns its input: the same path with the scrubber taken out. */
function distWithoutScrubber(dir) {
  const root = join(dir, 'noscrub');
  mkdirSync(root);
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(
    join(root, 'dist', 'src', 'secrets', 'scrubber.js'),
    `export const MASK = '[redacted]';
export const MIN_SECRET_LENGTH = 8;
export function configureSecrets() {}
export function addSecrets() {}
export function knownSecretCount() { return 0; }
export function scrubText(text) { return text; }
export function scrubJson(text) { return text; }
export function scrubValue(value) { return value; }
`,
  );
  return (path) => import(join(root, 'dist', 'src', path));
}

/** One agent run through the real adapter of one variant, progress published on its Bus. */
async function variantRunner(load, url, agent, dir, name) {
  const { createClaudeAdapter } = await load('adapters/agent/claude.js');
  const { Bus: VariantBus } = await load('bus/index.js');
  const bus = await VariantBus.connect({ url, name: `bench-${name}`, prefix: 'roshi', logger: silentLogger() });
  onCleanup(() => bus.drain());
  const adapter = createClaudeAdapter({ command: agent, logger: silentLogger(), passEnv: [] });
  const work = join(dir, `work-${name}`);
  mkdirSync(work);
  let n = 0;
  return async () => {
    const result = await adapter.run({
      prompt: 'print your output',
      cwd: work,
      maxTurns: 1,
      allowedTools: [],
      env: {},
      idleTimeoutMs: 30_000,
      timeoutMs: 60_000,
      killGraceMs: 1_000,
      logFile: join(dir, `run-${name}-${n++ % 2}.log`),
      onProgress: (progress) =>
        bus.publish(bus.subjects.runnerProgress('runner-1'), { runner: 'runner-1', missionId: 'm-1', ...progress }),
    });
    if (result.outcome !== 'success')
      throw new Error(`${name}: the fake agent run ended ${result.outcome}: ${result.error}`);
    rmSync(join(dir, `run-${name}-${(n - 1) % 2}.log`), { force: true });
  };
}

async function measure(variants, rounds) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const names = Object.keys(variants);
  for (let i = 0; i < 3; i++) for (const name of names) await variants[name]();
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 ? [...names].reverse() : names) {
      const t0 = process.hrtime.bigint();
      await variants[name]();
      samples[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return samples;
}

await main('scrubber', async () => {
  console.log(`scrubber: ${environment()}`);
  const dir = mkdtempSync(join(tmpdir(), 'roshi-bench-scrub-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  // What a tree knows: GitHub, Telegram, Slack (two), Matrix, Anthropic, NATS, two custom secrets.
  configureSecrets([
    'github-token-value-0123456789abcdef',
    '1234567890:telegram-token-value-abcdefghijklmnop',
    'slack-bot-token-value-0123456789',
    'slack-app-token-value-0123456789',
    'matrix-access-token-value-0123456789',
    'anthropic-key-value-0123456789abcdef',
    'nats-password-value-0123456789',
    'deploy-key-value-0123456789',
    'database-password-value-0123456789',
  ]);
  const output = Buffer.from(`${agentOutput().join('\n')}\n`);
  console.log(
    `scrubber: ${(output.length / 1024).toFixed(0)} KiB of stream-json in ${Math.ceil(output.length / PIPE_CHUNK)} pipe-sized chunks`,
  );

  // The judged measurement: whole runs through the real adapter.
  const outputFile = join(dir, 'agent-output.jsonl');
  writeFileSync(outputFile, output);
  const agent = join(dir, 'fake-agent.sh');
  writeFileSync(agent, `#!/bin/sh\nread -r _prompt\nexec cat '${outputFile}'\n`);
  chmodSync(agent, 0o755);
  mkdirSync(join(dir, 'nats'));
  const url = await startConfiguredNats(join(dir, 'nats'));
  const runs = await measure(
    {
      with: await variantRunner(dist, url, agent, dir, 'with'),
      without: await variantRunner(distWithoutScrubber(dir), url, agent, dir, 'without'),
    },
    ROUNDS,
  );

  // The diagnostic one: the per-line work alone.
  const lines = await measure(
    {
      with: () => runPath(output, join(dir, 'lines-with.log'), true),
      without: () => runPath(output, join(dir, 'lines-without.log'), false),
    },
    ROUNDS,
  );

  const row = (label, v) => [label, v.length, fmt(median(v)), fmt(Math.min(...v)), fmt(Math.max(...v))];
  const ratio = (m) => median(m.with) / median(m.without);
  console.log('');
  console.log(
    table([
      ['1 MB of agent output', 'n', 'median ms', 'min ms', 'max ms'],
      row('run, with the scrubber', runs.with),
      row('run, without', runs.without),
      row('lines only, with', lines.with),
      row('lines only, without', lines.without),
    ]),
  );
  console.log('');
  console.log(
    `scrubber: the scrubber adds ${fmt(median(runs.with) - median(runs.without))} ms to a run and ${fmt(median(lines.with) - median(lines.without))} ms to the per-line work for ${(output.length / 1024 / 1024).toFixed(2)} MiB`,
  );
  console.log(`scrubber: per-line work alone, median ratio ${fmt(ratio(lines))} (reported, not judged)`);
  console.log(
    `scrubber: agent run, median ratio ${fmt(ratio(runs))} (target ≤ ${TARGET}) ${passMiss(ratio(runs) <= TARGET)}`,
  );
});
