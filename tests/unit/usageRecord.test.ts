// usage.jsonl lines (src/usage/record.ts): one per agent run, with its outcome and what the agent
// reported; the chat answerer writes one for every run, failed ones too.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentRunResult } from '../../src/adapters/agent/index.js';
import { emptyHistory } from '../../src/chat/history.js';
import { ChatTurnError, createChatAnswerer } from '../../src/chat/turn.js';
import { silentLogger } from '../../src/log.js';
import { addSecrets } from '../../src/secrets/scrubber.js';
import {
  chatRunLine,
  missionRunLine,
  recordUsageLine,
  usageFile,
  writeUsageLine,
  type UsageLine,
} from '../../src/usage/record.js';
import { capturingLogger } from '../harness/logCapture.js';

const NOW = Date.UTC(2026, 2, 31, 9, 30);
const TOKENS = { input: 100, output: 20, cacheRead: 5, cacheWrite: 0 };
const run = (extra: Partial<AgentRunResult> = {}): AgentRunResult => ({
  outcome: 'success',
  summary: '',
  durationMs: 1_500,
  exitCode: 0,
  signal: null,
  ...extra,
});

describe('usage lines', () => {
  it('a mission run: mission, branch, attempt, outcome, and the cost the agent reported', () => {
    const mission = { id: 'm1', project: 'app', kind: 'free' as const, attempts: 2 };
    expect(
      missionRunLine(mission, 'roshi/x-m1', run({ outcome: 'permanent', costUsd: 0.03, tokens: TOKENS }), NOW),
    ).toEqual({
      at: '2026-03-31T09:30:00.000Z',
      missionId: 'm1',
      project: 'app',
      kind: 'free',
      branch: 'roshi/x-m1',
      attempt: 2,
      outcome: 'permanent',
      costUsd: 0.03,
      tokens: TOKENS,
      durationMs: 1_500,
    });
    // Killed before the agent's result line: no cost or tokens were reported, none are made up.
    const cancelled = missionRunLine(mission, 'b', run({ outcome: 'cancelled', killedBy: 'cancel' }), NOW);
    expect(cancelled).toMatchObject({ outcome: 'cancelled', durationMs: 1_500 });
    expect(cancelled).not.toHaveProperty('costUsd');
    expect(cancelled).not.toHaveProperty('tokens');
  });

  it("a chat run: kind 'chat', the request, its attempt and provider", () => {
    const turn = { id: 'c1', attempt: 1, request: { provider: 'telegram' } };
    expect(chatRunLine(turn, run({ costUsd: 0.001, tokens: TOKENS }), NOW)).toEqual({
      at: '2026-03-31T09:30:00.000Z',
      kind: 'chat',
      requestId: 'c1',
      attempt: 1,
      provider: 'telegram',
      outcome: 'success',
      costUsd: 0.001,
      tokens: TOKENS,
      durationMs: 1_500,
    });
  });
});

describe('writing usage.jsonl', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'roshi-usage-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const line = (extra: Partial<UsageLine> = {}): UsageLine => ({
    at: new Date(NOW).toISOString(),
    kind: 'free',
    outcome: 'timeout',
    ...extra,
  });

  it('appends one scrubbed JSON line per run, creating the state directory', () => {
    const stateDir = join(dir, 'state');
    addSecrets(['sk-usage-secret-0123456789']);
    writeUsageLine(stateDir, line({ branch: 'roshi/a' }));
    writeUsageLine(stateDir, line({ kind: 'chat', outcome: 'success', provider: 'sk-usage-secret-0123456789' }));
    const lines = readFileSync(usageFile(stateDir), 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(line({ branch: 'roshi/a' }));
    expect(lines[1]).not.toContain('sk-usage-secret');
    expect(JSON.parse(lines[1]!)).toMatchObject({ kind: 'chat', outcome: 'success' });
  });

  it('recordUsageLine logs a write it cannot make and never throws; writeUsageLine throws', () => {
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    expect(() => writeUsageLine(notADir, line())).toThrow();
    const { logger, lines } = capturingLogger();
    expect(() => recordUsageLine(notADir, line(), logger)).not.toThrow();
    expect(lines.join('\n')).toContain('usage line not written');
  });
});

describe('the chat answerer counts every run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'roshi-usage-chat-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function answerer(results: AgentRunResult[], recorded: UsageLine[]) {
    return createChatAnswerer({
      agent: { name: 'fake', run: async () => results.shift() ?? run() },
      missions: {
        list: () => [],
        counts: () => ({ pending: 0, running: 0, awaiting_approval: 0, done: 0, failed: 0, cancelled: 0 }),
      },
      readPause: async () => undefined,
      history: { load: async (p, c) => emptyHistory(p, c), append: async (p, c) => emptyHistory(p, c) },
      logger: silentLogger(),
      now: () => NOW,
      recordUsage: (l) => recorded.push(l),
      settings: {
        persona: '',
        memory: '',
        historyTurns: 4,
        timeoutMs: 60_000,
        maxTurns: 10,
        allowedTools: ['Read'],
        env: {},
        killGraceMs: 1_000,
        scratchDir: join(dir, 'scratch'),
        runLogDir: join(dir, 'runs'),
      },
    });
  }
  const turn = (id: string, attempt: number) => ({
    id,
    attempt,
    waiting: 0,
    receivedAt: NOW,
    request: { text: 'hi', chatId: 'c', provider: 'console' },
  });

  it('an answered turn and a timed-out one each leave a line with their outcome', async () => {
    const recorded: UsageLine[] = [];
    const chat = answerer(
      [
        run({ summary: 'hello', costUsd: 0.002, tokens: TOKENS }),
        run({ outcome: 'timeout', killedBy: 'timeout', error: 'killed after 60s (timeout)' }),
      ],
      recorded,
    );
    await chat.answer(turn('c1', 0), new AbortController().signal);
    await expect(chat.answer(turn('c2', 1), new AbortController().signal)).rejects.toThrow(ChatTurnError);
    expect(recorded).toEqual([
      chatRunLine(turn('c1', 0), run({ costUsd: 0.002, tokens: TOKENS }), NOW),
      chatRunLine(turn('c2', 1), run({ outcome: 'timeout' }), NOW),
    ]);
    expect(recorded.map((l) => [l.kind, l.outcome, l.costUsd])).toEqual([
      ['chat', 'success', 0.002],
      ['chat', 'timeout', undefined],
    ]);
  });
});
