// The chat agent's tools with the REAL Claude Code CLI (2.1.197) against the scripted API, run
// through the chat answerer and the real adapter: it reads its scratch dir and the project
// checkouts, and nothing else; it has no web tools and no Bash, whatever chat.allowedTools says.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnStart } from '../../machines/chat.js';
import { createClaudeAdapter } from '../../src/adapters/agent/claude.js';
import { silentLogger } from '../../src/log.js';
import type { MissionStatus } from '../../src/contracts/index.js';
import type { ChatHistory } from '../../src/chat/history.js';
import { createChatAnswerer, readOnlyTools } from '../../src/chat/turn.js';
import { startFakeAnthropic, type FakeAnthropic, type StaticStep } from '../fakes/anthropic.js';
import { TEST_MARKER } from '../harness/processes.js';
import { claudeEnv } from '../harness/claudeSandbox.js';

// The agent's scratch dir and a project checkout it may read; `outside` it may not.
const root = mkdtempSync(join(tmpdir(), 'roshi-chattools-'));
const project = join(root, 'checkout');
const outside = join(root, 'elsewhere');
const scratch = join(root, 'state', 'chat', 'scratch');
let fake: FakeAnthropic;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  for (const d of [join(project, 'src'), outside, scratch, join(root, 'home')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(project, 'src', 'app.txt'), 'PROJECT-CONTENT');
  writeFileSync(join(outside, '.env'), 'OUTSIDE-SECRET-CONTENT');
  writeFileSync(join(scratch, 'note.txt'), 'SCRATCH-CONTENT');
});

afterAll(async () => {
  await fake.stop();
  rmSync(root, { recursive: true, force: true });
});

const EMPTY_HISTORY: ChatHistory = { provider: 'console', chatId: 'c', summaries: [], turns: [], updatedAt: 0 };

/** The configured chat tools, as generous as an operator could write them. */
const CONFIGURED = ['Read', 'Glob', 'Grep', 'LS', 'Read(//**)', 'WebFetch', 'WebSearch', 'Bash'];

/** Asks the chat once; the scripted model calls `tool`, then answers. Returns what the tool gave back. */
async function chatToolResult(tool: {
  name: string;
  input: Record<string, unknown>;
}): Promise<{ content: string; isError: boolean }> {
  let toolResult: { content: string; isError: boolean } | undefined;
  fake.enqueue({ toolUse: tool }, (body: unknown): StaticStep => {
    const messages = (body as { messages: Array<{ content: unknown }> }).messages;
    const blocks = messages.at(-1)?.content as Array<{ type: string; content?: unknown; is_error?: boolean }>;
    const block = blocks.find((b) => b.type === 'tool_result');
    toolResult = { content: JSON.stringify(block?.content ?? ''), isError: block?.is_error === true };
    return { text: 'answered' };
  });
  const answerer = createChatAnswerer({
    agent: createClaudeAdapter({ command: resolve('node_modules/.bin/claude'), logger: silentLogger(), passEnv: [] }),
    missions: {
      list: () => [],
      counts: () => ({ pending: 0, running: 0, done: 0, failed: 0, cancelled: 0 }) as Record<MissionStatus, number>,
    },
    readPause: async () => undefined,
    history: { load: async () => EMPTY_HISTORY, append: async () => EMPTY_HISTORY },
    logger: silentLogger(),
    settings: {
      persona: '',
      memory: '',
      historyTurns: 0,
      timeoutMs: 30_000,
      maxTurns: 4,
      allowedTools: readOnlyTools(CONFIGURED).allowed,
      env: {
        ...claudeEnv(fake.url, join(root, 'home'), 0),
        ...(process.env[TEST_MARKER] ? { [TEST_MARKER]: process.env[TEST_MARKER] } : {}),
      },
      killGraceMs: 1_000,
      scratchDir: scratch,
      runLogDir: join(root, 'state', 'runs', 'chat'),
      readDirs: [project],
    },
  });
  const turn: TurnStart = {
    id: `t-${Math.random().toString(36).slice(2)}`,
    attempt: 0,
    waiting: 0,
    receivedAt: Date.now(),
    request: { text: 'look', chatId: 'c', provider: 'console' },
  } as TurnStart;
  const answer = await answerer.answer(turn, new AbortController().signal);
  expect(answer.text).toBe('answered');
  expect(toolResult, 'the model got a tool result').toBeDefined();
  return toolResult!;
}

describe('the chat agent’s tools (real CLI)', () => {
  it('reads a project checkout', async () => {
    const r = await chatToolResult({ name: 'Read', input: { file_path: join(project, 'src', 'app.txt') } });
    expect(r.content).toContain('PROJECT-CONTENT');
  });

  it('reads its scratch dir', async () => {
    const r = await chatToolResult({ name: 'Read', input: { file_path: join(scratch, 'note.txt') } });
    expect(r.content).toContain('SCRATCH-CONTENT');
  });

  it('searches a checkout with Grep', async () => {
    const r = await chatToolResult({
      name: 'Grep',
      input: { pattern: 'PROJECT', path: project, output_mode: 'content' },
    });
    expect(r.content).toContain('PROJECT-CONTENT');
  });

  it('cannot Read outside them, though chat.allowedTools lists Read and Read(//**)', async () => {
    const r = await chatToolResult({ name: 'Read', input: { file_path: join(outside, '.env') } });
    expect(r.content).not.toContain('OUTSIDE-SECRET-CONTENT');
    expect(r.isError).toBe(true);
  });

  it('cannot Grep or Glob outside them', async () => {
    const grep = await chatToolResult({
      name: 'Grep',
      input: { pattern: 'OUTSIDE', path: outside, output_mode: 'content' },
    });
    expect(grep.content).not.toContain('OUTSIDE-SECRET-CONTENT');
    expect(grep.isError).toBe(true);
    const glob = await chatToolResult({ name: 'Glob', input: { pattern: '**/*', path: outside } });
    expect(glob.content).not.toContain('.env');
    expect(glob.isError).toBe(true);
  });

  it('has no WebFetch, WebSearch or Bash', async () => {
    for (const tool of [
      { name: 'WebFetch', input: { url: 'http://127.0.0.1:9/', prompt: 'x' } },
      { name: 'WebSearch', input: { query: 'x' } },
      { name: 'Bash', input: { command: `cat ${join(outside, '.env')}`, description: 'x' } },
    ]) {
      const r = await chatToolResult(tool);
      expect(r.isError, tool.name).toBe(true);
      expect(r.content, tool.name).toMatch(/No such tool available/);
      expect(r.content).not.toContain('OUTSIDE-SECRET-CONTENT');
    }
  });
});
